use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub cid: String,
    pub seq: i64,
    pub user_id: Option<String>,
    #[sea_orm(column_name = "type")]
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub attachments: Json,
    pub parent_id: Option<String>,
    pub quoted_id: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub mentions: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub custom: Json,
    pub silent: bool,
    /// Sent by a shadow-banned user: shown to its author alone.
    pub shadowed: bool,
    pub reply_count: i32,
    pub pinned_at: Option<DateTimeUtc>,
    pub pinned_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Turns the rows `update` selects into tombstones: type `deleted`, content erased, `seq`
/// kept so history stays gap-free.
/// Sets the columns that turn messages into tombstones: content gone, `seq` kept.
pub fn tombstone(
    update: sea_orm::UpdateMany<Entity>,
    now: chrono::DateTime<chrono::Utc>,
) -> sea_orm::UpdateMany<Entity> {
    update
        .col_expr(Column::Kind, sea_orm::sea_query::Expr::value("deleted"))
        .col_expr(Column::Text, sea_orm::sea_query::Expr::value(""))
        .col_expr(
            Column::Attachments,
            sea_orm::sea_query::Expr::value(serde_json::json!([])),
        )
        .col_expr(
            Column::Custom,
            sea_orm::sea_query::Expr::value(serde_json::json!({})),
        )
        .col_expr(
            Column::Mentions,
            sea_orm::sea_query::Expr::value(serde_json::json!([])),
        )
        .col_expr(Column::DeletedAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
}
