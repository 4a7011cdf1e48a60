use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where events are POSTed (http or https; private addresses, and host names that do not
    /// resolve, are refused).
    #[schema(pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\\s]+", format = "uri")]
    pub url: String,
    /// Event types to send (`message.new`, or a family like `message.*`); empty or absent: all.
    #[serde(default)]
    pub event_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    /// As in `NewWebhook`.
    #[schema(pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\\s]+", format = "uri")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enabling an endpoint clears why it was disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Generate a new signing secret (returned once in this answer).
    #[serde(default)]
    pub rotate_secret: bool,
}

/// A webhook endpoint.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// Empty: every event type.
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why Parley disabled the endpoint (it answered 410, or failed for too long).
    pub disabled_reason: Option<String>,
    /// Since when deliveries have been failing without a success in between.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The signing secret (`whsec_…`); present only when created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// Being sent now.
    Sending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Out of attempts, or the endpoint was disabled; can be retried.
    Failed,
}

/// One event sent (or to be sent) to one endpoint.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: String,
    /// The `webhook-id` header: the same for every attempt of this event.
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every attempt, oldest first (on the single-delivery view) or the last one (in lists).
    pub attempt_log: Vec<Attempt>,
}

impl From<JobStatus> for DeliveryStatus {
    fn from(s: JobStatus) -> Self {
        match s {
            JobStatus::Pending => Self::Pending,
            JobStatus::Running => Self::Sending,
            JobStatus::Done => Self::Succeeded,
            JobStatus::Dead => Self::Failed,
        }
    }
}

impl DeliveryStatus {
    pub fn job_status(self) -> JobStatus {
        match self {
            Self::Pending => JobStatus::Pending,
            Self::Sending => JobStatus::Running,
            Self::Succeeded => JobStatus::Done,
            Self::Failed => JobStatus::Dead,
        }
    }
}
