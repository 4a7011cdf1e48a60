//! Positions of Server-Sent Events streams: a stream's event ids refer to one of these
//! snapshots of every channel's position plus the channels that moved since, so that
//! `Last-Event-ID` resumes every channel of the stream exactly once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StreamCursors::Table)
                .col(string(StreamCursors::TenantId))
                .col(string(StreamCursors::Id))
                .col(string_null(StreamCursors::UserId))
                .col(text(StreamCursors::Cursors))
                .col(timestamp_with_time_zone(StreamCursors::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(StreamCursors::TenantId)
                        .col(StreamCursors::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_stream_cursors_created")
                .table(StreamCursors::Table)
                .col(StreamCursors::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StreamCursors::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StreamCursors {
    Table,
    TenantId,
    Id,
    UserId,
    Cursors,
    CreatedAt,
}
