//! The audit log: who changed what (keys, settings, channel types, moderation, deletes,
//! exports), kept for the configured period. It never holds message text or secrets.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(string(AuditLog::TenantId))
                .col(string(AuditLog::Id))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(string(AuditLog::ActorKind))
                .col(string_null(AuditLog::ActorId))
                .col(string(AuditLog::Action))
                .col(string(AuditLog::TargetKind))
                .col(string(AuditLog::TargetId))
                .col(string_null(AuditLog::RequestId))
                .col(string_null(AuditLog::Ip))
                .col(json(AuditLog::Details))
                .primary_key(Index::create().col(AuditLog::TenantId).col(AuditLog::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                // The operator's log reads every tenant's entries in id order.
                .name("idx_audit_log_id")
                .table(AuditLog::Table)
                .col(AuditLog::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_log_at")
                .table(AuditLog::Table)
                .col(AuditLog::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TenantId,
    At,
    ActorKind,
    ActorId,
    Action,
    TargetKind,
    TargetId,
    RequestId,
    Ip,
    Details,
}
