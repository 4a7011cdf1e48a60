//! Bans: a user banned from the whole app (`cid` empty) or from one channel.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Bans::Table)
                .col(string(Bans::TenantId))
                .col(string(Bans::UserId))
                .col(string(Bans::Cid))
                .col(string_null(Bans::Reason))
                .col(string_null(Bans::CreatedBy))
                .col(timestamp_with_time_zone_null(Bans::ExpiresAt))
                .col(timestamp_with_time_zone(Bans::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Bans::TenantId)
                        .col(Bans::UserId)
                        .col(Bans::Cid),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_bans_channel")
                .table(Bans::Table)
                .col(Bans::TenantId)
                .col(Bans::Cid)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Bans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Bans {
    Table,
    TenantId,
    UserId,
    Cid,
    Reason,
    CreatedBy,
    ExpiresAt,
    CreatedAt,
}
