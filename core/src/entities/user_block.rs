use sea_orm::entity::prelude::*;

/// `user_id` blocked `target_id`: no messages of theirs reach `user_id`, and `target_id`
/// cannot open or post into a distinct DM with `user_id`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "user_blocks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub target_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The users `user` blocked.
pub async fn blocked_by<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    user: &str,
) -> Result<Vec<String>, DbErr> {
    Ok(Entity::find()
        .filter(Column::TenantId.eq(tenant))
        .filter(Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.target_id)
        .collect())
}

/// The users who blocked `target`.
pub async fn blockers_of<C: ConnectionTrait>(
    db: &C,
    tenant: &str,
    target: &str,
) -> Result<Vec<String>, DbErr> {
    Ok(Entity::find()
        .filter(Column::TenantId.eq(tenant))
        .filter(Column::TargetId.eq(target))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.user_id)
        .collect())
}
