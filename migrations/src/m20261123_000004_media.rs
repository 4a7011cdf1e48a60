//! Media uploads: one row per uploaded object (pending until completed), with what was
//! learned from its bytes (sniffed type, image dimensions, thumbnail) and the message it is
//! attached to. Storage usage per tenant is summed from these rows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Uploads::Table)
                .col(string(Uploads::TenantId))
                .col(string(Uploads::Id))
                .col(string_null(Uploads::UserId))
                .col(string_null(Uploads::MessageId))
                .col(string(Uploads::Filename))
                .col(string(Uploads::ContentType))
                .col(big_integer(Uploads::Size))
                .col(string(Uploads::Kind))
                .col(string(Uploads::Status))
                .col(string(Uploads::ObjectKey))
                .col(integer_null(Uploads::Width))
                .col(integer_null(Uploads::Height))
                .col(string_null(Uploads::ThumbnailStatus))
                .col(string_null(Uploads::ThumbKey))
                .col(string_null(Uploads::ThumbContentType))
                .col(big_integer_null(Uploads::ThumbSize))
                .col(integer_null(Uploads::ThumbWidth))
                .col(integer_null(Uploads::ThumbHeight))
                .col(timestamp_with_time_zone(Uploads::CreatedAt))
                .col(timestamp_with_time_zone_null(Uploads::CompletedAt))
                .primary_key(Index::create().col(Uploads::TenantId).col(Uploads::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_uploads_message")
                .table(Uploads::Table)
                .col(Uploads::TenantId)
                .col(Uploads::MessageId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_uploads_user")
                .table(Uploads::Table)
                .col(Uploads::TenantId)
                .col(Uploads::UserId)
                .to_owned(),
        )
        .await?;
        // The sweeper looks for old pending uploads across tenants.
        m.create_index(
            Index::create()
                .name("idx_uploads_status_created")
                .table(Uploads::Table)
                .col(Uploads::Status)
                .col(Uploads::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Uploads::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Uploads {
    Table,
    TenantId,
    Id,
    UserId,
    MessageId,
    Filename,
    ContentType,
    Size,
    Kind,
    Status,
    ObjectKey,
    Width,
    Height,
    ThumbnailStatus,
    ThumbKey,
    ThumbContentType,
    ThumbSize,
    ThumbWidth,
    ThumbHeight,
    CreatedAt,
    CompletedAt,
}
