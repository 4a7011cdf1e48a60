//! The realtime gateway: a per-channel event log (the resume source) with its own sequence,
//! and users' last activity for presence.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Channels::Table)
                .add_column(big_integer(Channels::LastEventSeq).default(0))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(timestamp_with_time_zone_null(Users::LastActiveAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ChannelEvents::Table)
                .col(string(ChannelEvents::TenantId))
                .col(string(ChannelEvents::Cid))
                .col(big_integer(ChannelEvents::Seq))
                .col(string(ChannelEvents::Type))
                .col(text(ChannelEvents::Payload))
                .col(timestamp_with_time_zone(ChannelEvents::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(ChannelEvents::TenantId)
                        .col(ChannelEvents::Cid)
                        .col(ChannelEvents::Seq),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_channel_events_created")
                .table(ChannelEvents::Table)
                .col(ChannelEvents::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ChannelEvents::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::LastActiveAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Channels::Table)
                .drop_column(Channels::LastEventSeq)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    LastEventSeq,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    LastActiveAt,
}

#[derive(DeriveIden)]
enum ChannelEvents {
    Table,
    TenantId,
    Cid,
    Seq,
    Type,
    Payload,
    CreatedAt,
}
