use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub cid: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub role: String,
    pub last_read_seq: i64,
    pub muted: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The member's channel (same tenant, same cid).
    #[sea_orm(
        belongs_to = "super::channel::Entity",
        from = "(Column::TenantId, Column::Cid)",
        to = "(super::channel::Column::TenantId, super::channel::Column::Cid)"
    )]
    Channel,
}

impl ActiveModelBehavior for ActiveModel {}

/// The channels `user` is a member of, as a subquery (`cid IN (…)`): it goes through the
/// user's index of memberships.
pub fn cids_of(tenant: &str, user: &str) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(Column::Cid)
        .from(Entity)
        .and_where(Column::TenantId.eq(tenant))
        .and_where(Column::UserId.eq(user))
        .to_owned()
}

/// `user`'s membership of channel `cid`, if any.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    cid: &str,
    user: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id((tenant.to_owned(), cid.to_owned(), user.to_owned()))
        .one(db)
        .await
}
