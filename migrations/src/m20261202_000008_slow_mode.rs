//! Slow mode: the seconds a channel's members wait between their messages (0: off).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Channels::Table)
                .add_column(integer(Channels::SlowModeS).default(0))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Channels::Table)
                .drop_column(Channels::SlowModeS)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    SlowModeS,
}
