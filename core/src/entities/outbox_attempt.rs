use sea_orm::entity::prelude::*;

/// One attempt at a job: when, how long, and what came back.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub job_id: i64,
    pub tenant_id: String,
    pub attempt: i32,
    pub started_at: DateTimeUtc,
    pub duration_ms: i32,
    pub ok: bool,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub response: Option<String>,
    /// The worker that made the attempt (process id and a unique suffix).
    pub worker: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
