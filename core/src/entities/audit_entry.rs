use sea_orm::entity::prelude::*;

/// One entry of the audit log: who did what to which target, from where. Kept until the
/// audit retention ends, also after the tenant or the users it names are deleted.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: String,
    /// A UUIDv7: entries sort by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub at: DateTimeUtc,
    /// `operator`, `server` or `user`.
    pub actor_kind: String,
    /// The user, or the key the tenant server used; `None` for the operator.
    pub actor_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// What changed, by name (never message text or secrets).
    pub details: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
