//! Blocklists: a tenant's lists of words and regular expressions that channel types screen
//! messages with.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Blocklists::Table)
                .col(string(Blocklists::TenantId))
                .col(string(Blocklists::Name))
                .col(json(Blocklists::Words))
                .col(json(Blocklists::Patterns))
                .col(timestamp_with_time_zone(Blocklists::CreatedAt))
                .col(timestamp_with_time_zone(Blocklists::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(Blocklists::TenantId)
                        .col(Blocklists::Name),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Blocklists::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Blocklists {
    Table,
    TenantId,
    Name,
    Words,
    Patterns,
    CreatedAt,
    UpdatedAt,
}
