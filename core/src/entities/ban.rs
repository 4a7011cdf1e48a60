use sea_orm::entity::prelude::*;

/// A ban: from the whole app when `cid` is empty, otherwise from that channel.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "bans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub cid: String,
    pub reason: Option<String>,
    pub created_by: Option<String>,
    /// Unset: until lifted.
    pub expires_at: Option<DateTimeUtc>,
    /// A shadow ban: the user may go on posting, but their messages are shown to them alone.
    pub shadow: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The `cid` of an app-wide ban.
pub const APP: &str = "";

impl Model {
    pub fn is_active(&self, now: DateTimeUtc) -> bool {
        self.expires_at.is_none_or(|until| until > now)
    }
}

/// `user`'s ban in `cid` (or app-wide, [`APP`]) in force at `now`, if any.
pub async fn in_force<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    user: &str,
    cid: &str,
    now: DateTimeUtc,
) -> Result<Option<Model>, DbErr> {
    Ok(
        Entity::find_by_id((tenant.to_owned(), user.to_owned(), cid.to_owned()))
            .one(db)
            .await?
            .filter(|b| b.is_active(now)),
    )
}
