//! The core platform: tenants and their keys, users, channels, members, messages, reactions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tenants::Table)
                .col(string(Tenants::Id).primary_key())
                .col(string(Tenants::Name))
                .col(boolean(Tenants::Disabled).default(false))
                .col(json_binary(Tenants::Settings))
                .col(string(Tenants::SigningSecret))
                .col(string_null(Tenants::SigningSecretPrev))
                .col(timestamp_with_time_zone_null(
                    Tenants::SigningSecretPrevUntil,
                ))
                .col(timestamp_with_time_zone(Tenants::CreatedAt))
                .col(timestamp_with_time_zone(Tenants::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(string(ApiKeys::Id).primary_key())
                .col(string(ApiKeys::TenantId))
                .col(string(ApiKeys::Kind))
                .col(string_null(ApiKeys::Name))
                .col(string(ApiKeys::SecretHash))
                .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            ApiKeys::Table,
            "idx_api_keys_tenant",
            &[ApiKeys::TenantId],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(string(Users::TenantId))
                .col(string(Users::Id))
                .col(string_null(Users::Name))
                .col(string_null(Users::SearchName))
                .col(string_null(Users::Image))
                .col(string(Users::Role))
                .col(json_binary(Users::Custom))
                .col(timestamp_with_time_zone_null(Users::DeactivatedAt))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .primary_key(Index::create().col(Users::TenantId).col(Users::Id))
                .to_owned(),
        )
        .await?;
        index(
            m,
            Users::Table,
            "idx_users_search",
            &[Users::TenantId, Users::SearchName],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Channels::Table)
                .col(string(Channels::TenantId))
                .col(string(Channels::Cid))
                .col(string(Channels::Type))
                .col(string(Channels::Id))
                .col(string_null(Channels::Name))
                .col(json_binary(Channels::Custom))
                .col(boolean(Channels::Frozen).default(false))
                .col(string_null(Channels::CreatedBy))
                .col(string_null(Channels::DistinctKey))
                .col(integer(Channels::MemberCount).default(0))
                .col(big_integer(Channels::LastSeq).default(0))
                .col(timestamp_with_time_zone_null(Channels::LastMessageAt))
                .col(timestamp_with_time_zone(Channels::ActivityAt))
                .col(timestamp_with_time_zone(Channels::CreatedAt))
                .col(timestamp_with_time_zone(Channels::UpdatedAt))
                .primary_key(Index::create().col(Channels::TenantId).col(Channels::Cid))
                .to_owned(),
        )
        .await?;
        index(
            m,
            Channels::Table,
            "uq_channels_distinct",
            &[Channels::TenantId, Channels::DistinctKey],
            true,
        )
        .await?;
        index(
            m,
            Channels::Table,
            "idx_channels_activity",
            &[Channels::TenantId, Channels::ActivityAt],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Members::Table)
                .col(string(Members::TenantId))
                .col(string(Members::Cid))
                .col(string(Members::UserId))
                .col(string(Members::Role))
                .col(big_integer(Members::LastReadSeq).default(0))
                .col(timestamp_with_time_zone(Members::CreatedAt))
                .col(timestamp_with_time_zone(Members::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(Members::TenantId)
                        .col(Members::Cid)
                        .col(Members::UserId),
                )
                .to_owned(),
        )
        .await?;
        index(
            m,
            Members::Table,
            "idx_members_user",
            &[Members::TenantId, Members::UserId],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Messages::Table)
                .col(string(Messages::TenantId))
                .col(string(Messages::Id))
                .col(string(Messages::Cid))
                .col(big_integer(Messages::Seq))
                .col(string_null(Messages::UserId))
                .col(string(Messages::Type))
                .col(text(Messages::Text))
                .col(json_binary(Messages::Attachments))
                .col(string_null(Messages::ParentId))
                .col(string_null(Messages::QuotedId))
                .col(json_binary(Messages::Mentions))
                .col(json_binary(Messages::Custom))
                .col(boolean(Messages::Silent).default(false))
                .col(integer(Messages::ReplyCount).default(0))
                .col(timestamp_with_time_zone_null(Messages::PinnedAt))
                .col(string_null(Messages::PinnedBy))
                .col(timestamp_with_time_zone(Messages::CreatedAt))
                .col(timestamp_with_time_zone(Messages::UpdatedAt))
                .col(timestamp_with_time_zone_null(Messages::EditedAt))
                .col(timestamp_with_time_zone_null(Messages::DeletedAt))
                .primary_key(Index::create().col(Messages::TenantId).col(Messages::Id))
                .to_owned(),
        )
        .await?;
        index(
            m,
            Messages::Table,
            "uq_messages_seq",
            &[Messages::TenantId, Messages::Cid, Messages::Seq],
            true,
        )
        .await?;
        index(
            m,
            Messages::Table,
            "idx_messages_parent",
            &[Messages::TenantId, Messages::ParentId],
            false,
        )
        .await?;
        index(
            m,
            Messages::Table,
            "idx_messages_user",
            &[Messages::TenantId, Messages::UserId],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Reactions::Table)
                .col(string(Reactions::TenantId))
                .col(string(Reactions::MessageId))
                .col(string(Reactions::UserId))
                .col(string(Reactions::Type))
                .col(timestamp_with_time_zone(Reactions::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Reactions::TenantId)
                        .col(Reactions::MessageId)
                        .col(Reactions::UserId)
                        .col(Reactions::Type),
                )
                .to_owned(),
        )
        .await?;
        index(
            m,
            Reactions::Table,
            "idx_reactions_user",
            &[Reactions::TenantId, Reactions::UserId],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Reactions::Table.into_iden(),
            Messages::Table.into_iden(),
            Members::Table.into_iden(),
            Channels::Table.into_iden(),
            Users::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            Tenants::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn index<T, C>(
    m: &SchemaManager<'_>,
    table: T,
    name: &str,
    cols: &[C],
    unique: bool,
) -> Result<(), DbErr>
where
    T: IntoIden + Clone + 'static,
    C: IntoIden + Clone + 'static,
{
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col.clone());
    }
    if unique {
        stmt.unique();
    }
    m.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden, Clone)]
enum Tenants {
    Table,
    Id,
    Name,
    Disabled,
    Settings,
    SigningSecret,
    SigningSecretPrev,
    SigningSecretPrevUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum ApiKeys {
    Table,
    Id,
    TenantId,
    Kind,
    Name,
    SecretHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone)]
enum Users {
    Table,
    TenantId,
    Id,
    Name,
    SearchName,
    Image,
    Role,
    Custom,
    DeactivatedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Channels {
    Table,
    TenantId,
    Cid,
    Type,
    Id,
    Name,
    Custom,
    Frozen,
    CreatedBy,
    DistinctKey,
    MemberCount,
    LastSeq,
    LastMessageAt,
    ActivityAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Members {
    Table,
    TenantId,
    Cid,
    UserId,
    Role,
    LastReadSeq,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Messages {
    Table,
    TenantId,
    Id,
    Cid,
    Seq,
    UserId,
    Type,
    Text,
    Attachments,
    ParentId,
    QuotedId,
    Mentions,
    Custom,
    Silent,
    ReplyCount,
    PinnedAt,
    PinnedBy,
    CreatedAt,
    UpdatedAt,
    EditedAt,
    DeletedAt,
}

#[derive(DeriveIden, Clone)]
enum Reactions {
    Table,
    TenantId,
    MessageId,
    UserId,
    Type,
    CreatedAt,
}
