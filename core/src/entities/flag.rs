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

impl Model {
    /// A new open report of `user_id` (of a message of theirs once `message_id` and `cid` are
    /// set), by `created_by` (`None`: the tenant server, or Parley itself).
    pub fn open(
        tenant: &str,
        user_id: String,
        created_by: Option<String>,
        reason: Option<String>,
        now: DateTimeUtc,
    ) -> Self {
        Self {
            tenant_id: tenant.to_owned(),
            id: uuid::Uuid::now_v7().to_string(),
            user_id,
            message_id: None,
            cid: None,
            created_by,
            reason,
            status: "open".to_owned(),
            resolution: None,
            resolved_by: None,
            resolved_at: None,
            created_at: now,
        }
    }
}
