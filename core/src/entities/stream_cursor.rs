use sea_orm::entity::prelude::*;

/// A snapshot of an SSE stream's position in each of its channels (see
/// `realtime::positions`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stream_cursors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The stream's user; `None` for a tenant-wide stream.
    pub user_id: Option<String>,
    /// `[[cid, seq], …]` as JSON.
    #[sea_orm(column_type = "Text")]
    pub cursors: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
