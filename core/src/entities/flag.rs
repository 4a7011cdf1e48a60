use sea_orm::entity::prelude::*;

/// A report of a message (with its channel) or of a user, for moderators to review.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "flags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    /// A UUIDv7: flags sort by creation.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The user reported, or the author of the message reported.
    pub user_id: String,
    pub message_id: Option<String>,
    pub cid: Option<String>,
    /// Who reported; `None` for the tenant server.
    pub created_by: Option<String>,
    pub reason: Option<String>,
    /// `open` or `resolved`.
    pub status: String,
    /// The action taken: `dismiss`, `delete_message`, `ban_user`.
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
