use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub cid: String,
    #[sea_orm(column_name = "type")]
    pub kind: String,
    pub id: String,
    pub name: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub custom: Json,
    pub frozen: bool,
    /// Seconds a member waits between messages; 0: off.
    pub slow_mode_s: i32,
    pub created_by: Option<String>,
    pub distinct_key: Option<String>,
    pub member_count: i32,
    pub last_seq: i64,
    pub last_event_seq: i64,
    pub last_message_at: Option<DateTimeUtc>,
    pub activity_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The channel `cid` of `tenant`, or `channel_not_found`.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    cid: &str,
) -> crate::kernel::error::Result<Model> {
    Entity::find_by_id((tenant.to_owned(), cid.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| crate::kernel::error::Error::channel_not_found(cid))
}

/// Channel `cid` with `user`'s membership of it, if any, in one statement.
pub async fn find_with_member<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    cid: &str,
    user: &str,
) -> crate::kernel::error::Result<(Model, Option<super::member::Model>)> {
    use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    let user = user.to_owned();
    let membership =
        super::member::Relation::Channel
            .def()
            .rev()
            .on_condition(move |_channel, member| {
                Expr::col((member, super::member::Column::UserId))
                    .eq(user.clone())
                    .into_condition()
            });
    Entity::find_by_id((tenant.to_owned(), cid.to_owned()))
        .select_also(super::member::Entity)
        .join(JoinType::LeftJoin, membership)
        .one(db)
        .await?
        .ok_or_else(|| crate::kernel::error::Error::channel_not_found(cid))
}
