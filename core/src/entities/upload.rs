use sea_orm::entity::prelude::*;

/// One uploaded object (and its thumbnail), pending until the client completes it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The uploader; `None` when the tenant server uploaded for itself.
    pub user_id: Option<String>,
    /// The message it is attached to, once attached.
    pub message_id: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// `image`, `video`, `audio` or `file`.
    pub kind: String,
    /// `pending` or `complete`.
    pub status: String,
    pub object_key: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// `pending`, `done` or `failed` for images; `None` otherwise.
    pub thumbnail_status: Option<String>,
    pub thumb_key: Option<String>,
    pub thumb_content_type: Option<String>,
    pub thumb_size: Option<i64>,
    pub thumb_width: Option<i32>,
    pub thumb_height: Option<i32>,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
