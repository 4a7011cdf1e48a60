use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Apns,
    Fcm,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apns => "apns",
            Self::Fcm => "fcm",
        }
    }

    pub fn from_db(s: &str) -> Self {
        if s == "fcm" { Self::Fcm } else { Self::Apns }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    pub provider: Provider,
    /// The APNs device token (32 to 200 hex digits) or the FCM registration token (20 to
    /// 4,096 letters, digits and `- _ : .`).
    #[schema(pattern = "^[A-Za-z0-9_:.-]+$", min_length = 20, max_length = 4096)]
    pub token: String,
    /// Whose device it is: required with the secret key; with a user token, only the caller.
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// A device that receives push notifications.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Device {
    pub provider: Provider,
    pub token: String,
    pub user_id: String,
    pub created_at: DateTime<Utc>,
}

/// APNs credentials: a token-based (.p8) key.
#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApnsInput {
    /// The contents of the `.p8` file (PEM, `-----BEGIN PRIVATE KEY-----`).
    pub p8_key: String,
    /// The key's 10-character id.
    pub key_id: String,
    /// The Apple developer team id.
    pub team_id: String,
    /// The app's bundle id (the `apns-topic`).
    pub bundle_id: String,
    /// Send to Apple's sandbox (development builds) instead of production.
    #[serde(default)]
    pub sandbox: bool,
}

/// FCM credentials: a Google service account with the Firebase Messaging role.
#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FcmInput {
    /// The service-account JSON key file, as an object.
    #[schema(value_type = Object)]
    pub service_account: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApnsInfo {
    pub key_id: String,
    pub team_id: String,
    pub bundle_id: String,
    pub sandbox: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FcmInfo {
    pub project_id: String,
    pub client_email: String,
}

/// What push is configured with (secrets are never returned).
#[derive(Clone, Debug, Default, Serialize, ToSchema, Deserialize)]
pub struct PushConfig {
    pub apns: Option<ApnsInfo>,
    pub fcm: Option<FcmInfo>,
}

/// A user the caller muted.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Mute {
    pub user_id: String,
    pub target_id: String,
    pub created_at: DateTime<Utc>,
}

/// What a test push did on one device.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct DeviceResult {
    pub provider: Provider,
    pub token: String,
    /// `delivered`, `removed` (the service said the token is dead), `retryable` or `failed`.
    pub result: String,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PushTest {
    /// Whose devices to send to.
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct PushTestResult {
    pub results: Vec<DeviceResult>,
}
