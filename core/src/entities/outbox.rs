use sea_orm::entity::prelude::*;

/// One job of the transactional outbox: an event to dispatch, a webhook delivery, a push.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: String,
    pub kind: String,
    /// Jobs with the same key run one at a time, in id order.
    pub queue_key: Option<String>,
    pub status: String,
    pub payload: String,
    pub attempts: i32,
    /// Unix milliseconds.
    pub run_at: i64,
    pub locked_by: Option<String>,
    /// Unix milliseconds.
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub webhook_id: Option<String>,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
