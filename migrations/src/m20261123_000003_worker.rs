//! The worker: the transactional outbox with its attempt log, webhook endpoints, push devices
//! and credentials, and the mutes that push respects.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(big_pk_auto(Outbox::Id))
                .col(string(Outbox::TenantId))
                .col(string(Outbox::Kind))
                .col(string_null(Outbox::QueueKey))
                .col(string(Outbox::Status))
                .col(text(Outbox::Payload))
                .col(integer(Outbox::Attempts).default(0))
                .col(big_integer(Outbox::RunAt))
                .col(string_null(Outbox::LockedBy))
                .col(big_integer_null(Outbox::LockedUntil))
                .col(text_null(Outbox::LastError))
                .col(string_null(Outbox::WebhookId))
                .col(string_null(Outbox::EventId))
                .col(string_null(Outbox::EventType))
                .col(timestamp_with_time_zone(Outbox::CreatedAt))
                .col(timestamp_with_time_zone(Outbox::UpdatedAt))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_outbox_due", vec![Outbox::Status, Outbox::RunAt]),
            ("idx_outbox_queue", vec![Outbox::QueueKey, Outbox::Id]),
            (
                "idx_outbox_webhook",
                vec![Outbox::TenantId, Outbox::WebhookId, Outbox::Id],
            ),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(Outbox::Table);
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx.to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table(OutboxAttempts::Table)
                .col(big_pk_auto(OutboxAttempts::Id))
                .col(big_integer(OutboxAttempts::JobId))
                .col(string(OutboxAttempts::TenantId))
                .col(integer(OutboxAttempts::Attempt))
                .col(timestamp_with_time_zone(OutboxAttempts::StartedAt))
                .col(integer(OutboxAttempts::DurationMs))
                .col(boolean(OutboxAttempts::Ok))
                .col(integer_null(OutboxAttempts::StatusCode))
                .col(text_null(OutboxAttempts::Error))
                .col(text_null(OutboxAttempts::Response))
                .col(string_null(OutboxAttempts::Worker))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_outbox_attempts_job")
                .table(OutboxAttempts::Table)
                .col(OutboxAttempts::JobId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Webhooks::Table)
                .col(string(Webhooks::Id).primary_key())
                .col(string(Webhooks::TenantId))
                .col(text(Webhooks::Url))
                .col(string_null(Webhooks::Description))
                .col(text(Webhooks::EventTypes))
                .col(boolean(Webhooks::Enabled))
                .col(text_null(Webhooks::DisabledReason))
                .col(text(Webhooks::Secret))
                .col(timestamp_with_time_zone_null(Webhooks::FailingSince))
                .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_webhooks_tenant")
                .table(Webhooks::Table)
                .col(Webhooks::TenantId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Devices::Table)
                .col(string(Devices::TenantId))
                .col(string(Devices::Token))
                .col(string(Devices::Provider))
                .col(string(Devices::UserId))
                .col(timestamp_with_time_zone(Devices::CreatedAt))
                .primary_key(Index::create().col(Devices::TenantId).col(Devices::Token))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_devices_user")
                .table(Devices::Table)
                .col(Devices::TenantId)
                .col(Devices::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PushCredentials::Table)
                .col(string(PushCredentials::TenantId))
                .col(string(PushCredentials::Provider))
                .col(json_binary(PushCredentials::Settings))
                .col(text(PushCredentials::Secret))
                .col(timestamp_with_time_zone(PushCredentials::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(PushCredentials::TenantId)
                        .col(PushCredentials::Provider),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserMutes::Table)
                .col(string(UserMutes::TenantId))
                .col(string(UserMutes::UserId))
                .col(string(UserMutes::TargetId))
                .col(timestamp_with_time_zone(UserMutes::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(UserMutes::TenantId)
                        .col(UserMutes::UserId)
                        .col(UserMutes::TargetId),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ServerSettings::Table)
                .col(string(ServerSettings::Key).primary_key())
                .col(text(ServerSettings::Value))
                .to_owned(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .add_column(boolean(Members::Muted).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Tenants::Table)
                .add_column(text_null(Tenants::HookSecret))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Tenants::Table)
                .drop_column(Tenants::HookSecret)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .drop_column(Members::Muted)
                .to_owned(),
        )
        .await?;
        for t in [
            ServerSettings::Table.into_iden(),
            UserMutes::Table.into_iden(),
            PushCredentials::Table.into_iden(),
            Devices::Table.into_iden(),
            Webhooks::Table.into_iden(),
            OutboxAttempts::Table.into_iden(),
            Outbox::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    TenantId,
    Kind,
    QueueKey,
    Status,
    Payload,
    Attempts,
    RunAt,
    LockedBy,
    LockedUntil,
    LastError,
    WebhookId,
    EventId,
    EventType,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OutboxAttempts {
    Table,
    Id,
    JobId,
    TenantId,
    Attempt,
    StartedAt,
    DurationMs,
    Ok,
    StatusCode,
    Error,
    Response,
    Worker,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    TenantId,
    Url,
    Description,
    EventTypes,
    Enabled,
    DisabledReason,
    Secret,
    FailingSince,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    TenantId,
    Token,
    Provider,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PushCredentials {
    Table,
    TenantId,
    Provider,
    Settings,
    Secret,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserMutes {
    Table,
    TenantId,
    UserId,
    TargetId,
    CreatedAt,
}

/// Settings of the installation itself, e.g. the check value of the master key.
#[derive(DeriveIden)]
enum ServerSettings {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Muted,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    HookSecret,
}
