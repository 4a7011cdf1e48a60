//! Shadow bans and user blocks: a shadow-banned user's messages are stored as `shadowed` and
//! shown to them alone; a channel event can be for one user only (`visible_to`) and names the
//! user whose content it carries (`sent_by`), so replays leave out what live delivery leaves
//! out; `user_blocks` holds who blocked whom.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(boolean(Messages::Shadowed).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Bans::Table)
                .add_column(boolean(Bans::Shadow).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ChannelEvents::Table)
                .add_column(string_null(ChannelEvents::VisibleTo))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ChannelEvents::Table)
                .add_column(string_null(ChannelEvents::SentBy))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserBlocks::Table)
                .col(string(UserBlocks::TenantId))
                .col(string(UserBlocks::UserId))
                .col(string(UserBlocks::TargetId))
                .col(timestamp_with_time_zone(UserBlocks::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(UserBlocks::TenantId)
                        .col(UserBlocks::UserId)
                        .col(UserBlocks::TargetId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_user_blocks_target")
                .table(UserBlocks::Table)
                .col(UserBlocks::TenantId)
                .col(UserBlocks::TargetId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UserBlocks::Table).to_owned())
            .await?;
        for (table, column) in [
            (
                ChannelEvents::Table.into_iden(),
                ChannelEvents::SentBy.into_iden(),
            ),
            (
                ChannelEvents::Table.into_iden(),
                ChannelEvents::VisibleTo.into_iden(),
            ),
            (Bans::Table.into_iden(), Bans::Shadow.into_iden()),
            (Messages::Table.into_iden(), Messages::Shadowed.into_iden()),
        ] {
            m.alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Shadowed,
}

#[derive(DeriveIden)]
enum Bans {
    Table,
    Shadow,
}

#[derive(DeriveIden)]
enum ChannelEvents {
    Table,
    VisibleTo,
    SentBy,
}

#[derive(DeriveIden)]
enum UserBlocks {
    Table,
    TenantId,
    UserId,
    TargetId,
    CreatedAt,
}
