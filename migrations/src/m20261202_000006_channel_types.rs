//! Channel types a tenant defined or changed: their features and grants.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ChannelTypes::Table)
                .col(string(ChannelTypes::TenantId))
                .col(string(ChannelTypes::Name))
                .col(json_binary(ChannelTypes::Settings))
                .col(timestamp_with_time_zone(ChannelTypes::CreatedAt))
                .col(timestamp_with_time_zone(ChannelTypes::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(ChannelTypes::TenantId)
                        .col(ChannelTypes::Name),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ChannelTypes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ChannelTypes {
    Table,
    TenantId,
    Name,
    Settings,
    CreatedAt,
    UpdatedAt,
}
