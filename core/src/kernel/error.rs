//! One error type for every use case, with a table giving each code its HTTP status and title.
//! The api crate renders it as RFC 9457 `application/problem+json`.

use std::fmt;

use sea_orm::{DbErr, SqlErr};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable, machine-readable error codes. Clients switch on `code`, never on `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidJson,
    MessageTooLong,
    CustomDataTooLarge,
    PayloadTooLarge,
    MissingCredentials,
    InvalidAdminToken,
    InvalidApiKey,
    InvalidToken,
    TokenExpired,
    IssuerUnavailable,
    ServerKeyRequired,
    Forbidden,
    NotAMember,
    TenantDisabled,
    OriginNotAllowed,
    UserDeactivated,
    UserDeleted,
    UserBanned,
    ChannelFrozen,
    FeatureDisabled,
    NotFound,
    TenantNotFound,
    KeyNotFound,
    UserNotFound,
    MemberNotFound,
    ChannelNotFound,
    ChannelTypeNotFound,
    MessageNotFound,
    ReactionNotFound,
    BanNotFound,
    FlagNotFound,
    BlocklistNotFound,
    BlockNotFound,
    MessageIdConflict,
    ChannelTypeInUse,
    BlocklistInUse,
    UnsupportedMediaType,
    MethodNotAllowed,
    RateLimited,
    SlowMode,
    DatabaseUnavailable,
    ShuttingDown,
    Internal,
    UrlNotAllowed,
    WebhookNotFound,
    DeliveryNotFound,
    JobNotFound,
    DeviceNotFound,
    PushNotConfigured,
    MessageRejected,
    MessageBlocked,
    HookUnavailable,
    // Media uploads.
    UploadNotFound,
    UploadTooLarge,
    ContentTypeNotAllowed,
    UploadNotReceived,
    UploadSizeMismatch,
    ContentTypeMismatch,
    UploadAlreadyAttached,
    UploadComplete,
    InvalidSignature,
    UrlExpired,
    StorageUnavailable,
}

impl ErrorCode {
    /// The HTTP status of the code. Exhaustive on purpose: a new code must pick its status.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidRequest | InvalidJson | MessageTooLong | CustomDataTooLarge | UrlNotAllowed => {
                400
            }
            MissingCredentials | InvalidAdminToken | InvalidApiKey | InvalidToken
            | TokenExpired | IssuerUnavailable => 401,
            ServerKeyRequired | Forbidden | NotAMember | TenantDisabled | OriginNotAllowed
            | UserDeactivated | UserDeleted | UserBanned | ChannelFrozen | FeatureDisabled => 403,
            NotFound | TenantNotFound | KeyNotFound | UserNotFound | MemberNotFound
            | ChannelNotFound | ChannelTypeNotFound | MessageNotFound | ReactionNotFound
            | BanNotFound | FlagNotFound | BlocklistNotFound | BlockNotFound | WebhookNotFound
            | DeliveryNotFound | JobNotFound | DeviceNotFound => 404,
            MethodNotAllowed => 405,
            MessageIdConflict | PushNotConfigured | ChannelTypeInUse | BlocklistInUse => 409,
            MessageRejected | MessageBlocked => 422,
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            RateLimited | SlowMode => 429,
            Internal => 500,
            DatabaseUnavailable | HookUnavailable | ShuttingDown => 503,
            UploadNotFound => 404,
            UploadTooLarge => 413,
            ContentTypeNotAllowed => 415,
            UploadNotReceived | UploadAlreadyAttached | UploadComplete => 409,
            UploadSizeMismatch | ContentTypeMismatch => 422,
            InvalidSignature | UrlExpired => 403,
            StorageUnavailable => 503,
        }
    }

    /// The `code` field of the problem document.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidRequest => "invalid_request",
            InvalidJson => "invalid_json",
            MessageTooLong => "message_too_long",
            CustomDataTooLarge => "custom_data_too_large",
            PayloadTooLarge => "payload_too_large",
            MissingCredentials => "missing_credentials",
            InvalidAdminToken => "invalid_admin_token",
            InvalidApiKey => "invalid_api_key",
            InvalidToken => "invalid_token",
            TokenExpired => "token_expired",
            IssuerUnavailable => "issuer_unavailable",
            ServerKeyRequired => "server_key_required",
            Forbidden => "forbidden",
            NotAMember => "not_a_member",
            TenantDisabled => "tenant_disabled",
            OriginNotAllowed => "origin_not_allowed",
            UserDeactivated => "user_deactivated",
            UserDeleted => "user_deleted",
            UserBanned => "user_banned",
            ChannelFrozen => "channel_frozen",
            FeatureDisabled => "feature_disabled",
            NotFound => "not_found",
            TenantNotFound => "tenant_not_found",
            KeyNotFound => "key_not_found",
            UserNotFound => "user_not_found",
            MemberNotFound => "member_not_found",
            ChannelNotFound => "channel_not_found",
            ChannelTypeNotFound => "channel_type_not_found",
            MessageNotFound => "message_not_found",
            ReactionNotFound => "reaction_not_found",
            BanNotFound => "ban_not_found",
            FlagNotFound => "flag_not_found",
            BlocklistNotFound => "blocklist_not_found",
            BlockNotFound => "block_not_found",
            BlocklistInUse => "blocklist_in_use",
            MessageIdConflict => "message_id_conflict",
            ChannelTypeInUse => "channel_type_in_use",
            UnsupportedMediaType => "unsupported_media_type",
            MethodNotAllowed => "method_not_allowed",
            RateLimited => "rate_limited",
            SlowMode => "slow_mode",
            DatabaseUnavailable => "database_unavailable",
            ShuttingDown => "shutting_down",
            Internal => "internal_error",
            UrlNotAllowed => "url_not_allowed",
            WebhookNotFound => "webhook_not_found",
            DeliveryNotFound => "delivery_not_found",
            JobNotFound => "job_not_found",
            DeviceNotFound => "device_not_found",
            PushNotConfigured => "push_not_configured",
            MessageRejected => "message_rejected",
            MessageBlocked => "message_blocked",
            HookUnavailable => "hook_unavailable",
            UploadNotFound => "upload_not_found",
            UploadTooLarge => "upload_too_large",
            ContentTypeNotAllowed => "content_type_not_allowed",
            UploadNotReceived => "upload_not_received",
            UploadSizeMismatch => "upload_size_mismatch",
            ContentTypeMismatch => "content_type_mismatch",
            UploadAlreadyAttached => "upload_already_attached",
            UploadComplete => "upload_complete",
            InvalidSignature => "invalid_signature",
            UrlExpired => "url_expired",
            StorageUnavailable => "storage_unavailable",
        }
    }

    /// The short human title of the problem document.
    pub fn title(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidRequest => "The request is invalid",
            InvalidJson => "The request body is not valid JSON for this endpoint",
            MessageTooLong => "The message text is too long",
            CustomDataTooLarge => "The custom data is too large",
            PayloadTooLarge => "The request body is too large",
            MissingCredentials => "Credentials are missing",
            InvalidAdminToken => "The operator token is not valid",
            InvalidApiKey => "The API key is not valid",
            InvalidToken => "The user token is not valid",
            TokenExpired => "The user token has expired",
            IssuerUnavailable => "The keys of the token's issuer cannot be fetched",
            ServerKeyRequired => "This endpoint needs the secret key",
            Forbidden => "You may not do this",
            NotAMember => "You are not a member of this channel",
            TenantDisabled => "The tenant is disabled",
            OriginNotAllowed => "This origin may not use the app",
            UserDeactivated => "The user is deactivated",
            UserDeleted => "The user has been deleted",
            UserBanned => "The user is banned",
            ChannelFrozen => "The channel is frozen",
            FeatureDisabled => "This feature is turned off for the channel type",
            NotFound => "Not found",
            TenantNotFound => "Tenant not found",
            KeyNotFound => "Key not found",
            UserNotFound => "User not found",
            MemberNotFound => "The user is not a member of this channel",
            ChannelNotFound => "Channel not found",
            ChannelTypeNotFound => "Channel type not found",
            MessageNotFound => "Message not found",
            ReactionNotFound => "Reaction not found",
            BanNotFound => "Ban not found",
            FlagNotFound => "Flag not found",
            BlocklistNotFound => "Blocklist not found",
            BlockNotFound => "Block not found",
            BlocklistInUse => "Channel types use this blocklist",
            MessageIdConflict => "A different message already has this id",
            ChannelTypeInUse => "Channels of this type exist",
            UnsupportedMediaType => "The content type is not supported",
            MethodNotAllowed => "Method not allowed",
            RateLimited => "Too many requests",
            SlowMode => "Slow mode is on in this channel",
            DatabaseUnavailable => "The database is unavailable",
            ShuttingDown => "This node is shutting down",
            Internal => "Internal error",
            UrlNotAllowed => "The URL is not allowed",
            WebhookNotFound => "Webhook not found",
            DeliveryNotFound => "Delivery not found",
            JobNotFound => "Job not found",
            DeviceNotFound => "Device not found",
            PushNotConfigured => "Push is not configured for this provider",
            MessageRejected => "The message was rejected",
            MessageBlocked => "The message contains blocked words",
            HookUnavailable => "The before-send hook did not answer",
            UploadNotFound => "Upload not found",
            UploadTooLarge => "The file is too large",
            ContentTypeNotAllowed => "This content type may not be uploaded",
            UploadNotReceived => "The upload's bytes have not arrived",
            UploadSizeMismatch => "The uploaded size differs from the declared size",
            ContentTypeMismatch => "The file's content does not match its declared type",
            UploadAlreadyAttached => "The upload is attached to another message",
            UploadComplete => "The upload is complete",
            InvalidSignature => "The URL's signature is not valid",
            UrlExpired => "The URL has expired",
            StorageUnavailable => "The media store is unavailable",
        }
    }

    /// Every code, for the documentation table and the tests.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidJson,
        ErrorCode::MessageTooLong,
        ErrorCode::CustomDataTooLarge,
        ErrorCode::PayloadTooLarge,
        ErrorCode::MissingCredentials,
        ErrorCode::InvalidAdminToken,
        ErrorCode::InvalidApiKey,
        ErrorCode::InvalidToken,
        ErrorCode::TokenExpired,
        ErrorCode::IssuerUnavailable,
        ErrorCode::ServerKeyRequired,
        ErrorCode::Forbidden,
        ErrorCode::NotAMember,
        ErrorCode::TenantDisabled,
        ErrorCode::OriginNotAllowed,
        ErrorCode::UserDeactivated,
        ErrorCode::UserDeleted,
        ErrorCode::UserBanned,
        ErrorCode::ChannelFrozen,
        ErrorCode::FeatureDisabled,
        ErrorCode::NotFound,
        ErrorCode::TenantNotFound,
        ErrorCode::KeyNotFound,
        ErrorCode::UserNotFound,
        ErrorCode::MemberNotFound,
        ErrorCode::ChannelNotFound,
        ErrorCode::ChannelTypeNotFound,
        ErrorCode::MessageNotFound,
        ErrorCode::ReactionNotFound,
        ErrorCode::BanNotFound,
        ErrorCode::FlagNotFound,
        ErrorCode::BlocklistNotFound,
        ErrorCode::BlockNotFound,
        ErrorCode::MessageIdConflict,
        ErrorCode::ChannelTypeInUse,
        ErrorCode::BlocklistInUse,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RateLimited,
        ErrorCode::SlowMode,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::ShuttingDown,
        ErrorCode::Internal,
        ErrorCode::UrlNotAllowed,
        ErrorCode::WebhookNotFound,
        ErrorCode::DeliveryNotFound,
        ErrorCode::JobNotFound,
        ErrorCode::DeviceNotFound,
        ErrorCode::PushNotConfigured,
        ErrorCode::MessageRejected,
        ErrorCode::MessageBlocked,
        ErrorCode::HookUnavailable,
        ErrorCode::UploadNotFound,
        ErrorCode::UploadTooLarge,
        ErrorCode::ContentTypeNotAllowed,
        ErrorCode::UploadNotReceived,
        ErrorCode::UploadSizeMismatch,
        ErrorCode::ContentTypeMismatch,
        ErrorCode::UploadAlreadyAttached,
        ErrorCode::UploadComplete,
        ErrorCode::InvalidSignature,
        ErrorCode::UrlExpired,
        ErrorCode::StorageUnavailable,
    ];
}

/// An error a client can be told about. Internal causes are kept for the log only.
#[derive(Debug, Clone)]
pub struct Error {
    pub code: ErrorCode,
    pub detail: String,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
    /// The permission that was denied, for 403 `forbidden`.
    pub action: Option<&'static str>,
    /// The underlying cause, logged, never sent.
    pub source: Option<String>,
}

impl Error {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            retry_after: None,
            action: None,
            source: None,
        }
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, detail)
    }

    pub fn channel_not_found(cid: &str) -> Self {
        Self::new(ErrorCode::ChannelNotFound, format!("no channel `{cid}`"))
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, detail)
    }

    pub fn internal(cause: impl fmt::Display) -> Self {
        Self {
            source: Some(cause.to_string()),
            ..Self::new(
                ErrorCode::Internal,
                "an internal error occurred; it has been logged",
            )
        }
    }

    /// A 403 `forbidden` for the denied permission `action` (its wire name).
    pub fn denied(action: &'static str, detail: impl Into<String>) -> Self {
        Self {
            action: Some(action),
            ..Self::forbidden(detail)
        }
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// True when the database refused a row because of a unique key.
    pub fn is_unique_violation(err: &DbErr) -> bool {
        matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for Error {}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match &err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Self {
                source: Some(err.to_string()),
                ..Self::new(
                    ErrorCode::DatabaseUnavailable,
                    "the database cannot be reached; try again shortly",
                )
                .with_retry_after(5)
            },
            DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
            | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))
                if is_connection_error(e) =>
            {
                Self {
                    source: Some(err.to_string()),
                    ..Self::new(
                        ErrorCode::DatabaseUnavailable,
                        "the database cannot be reached; try again shortly",
                    )
                    .with_retry_after(5)
                }
            }
            _ => Self::internal(err),
        }
    }
}

fn is_connection_error(e: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error as E;
    match e {
        E::Io(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Tls(_) => true,
        // PostgreSQL's connection exceptions (class 08) and shutdowns (57P01-57P03: the
        // server or an administrator ended the session).
        E::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Self::internal(err)
    }
}

impl From<parley_wire::Invalid> for Error {
    fn from(e: parley_wire::Invalid) -> Self {
        Self::invalid(e.0)
    }
}
