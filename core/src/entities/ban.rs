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
pub enum Relation {
    /// The banned user (same tenant).
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "(Column::TenantId, Column::UserId)",
        to = "(super::user::Column::TenantId, super::user::Column::Id)"
    )]
    User,
}

impl ActiveModelBehavior for ActiveModel {}

/// The `cid` of an app-wide ban.
pub const APP: &str = "";

impl Model {
    pub fn is_active(&self, now: DateTimeUtc) -> bool {
        self.expires_at.is_none_or(|until| until > now)
    }
}
