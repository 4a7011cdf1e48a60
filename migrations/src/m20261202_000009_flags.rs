//! Flags: reports of a message or a user, waiting for a moderator's review.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Flags::Table)
                .col(string(Flags::TenantId))
                .col(string(Flags::Id))
                .col(string(Flags::UserId))
                .col(string_null(Flags::MessageId))
                .col(string_null(Flags::Cid))
                .col(string_null(Flags::CreatedBy))
                .col(string_null(Flags::Reason))
                .col(string(Flags::Status))
                .col(string_null(Flags::Resolution))
                .col(string_null(Flags::ResolvedBy))
                .col(timestamp_with_time_zone_null(Flags::ResolvedAt))
                .col(timestamp_with_time_zone(Flags::CreatedAt))
                .primary_key(Index::create().col(Flags::TenantId).col(Flags::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_flags_queue")
                .table(Flags::Table)
                .col(Flags::TenantId)
                .col(Flags::Status)
                .col(Flags::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Flags::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Flags {
    Table,
    TenantId,
    Id,
    UserId,
    MessageId,
    Cid,
    CreatedBy,
    Reason,
    Status,
    Resolution,
    ResolvedBy,
    ResolvedAt,
    CreatedAt,
}
