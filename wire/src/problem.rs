use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The problem document every error answers with.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Problem {
    /// A URI naming the problem type: `urn:parley:error:{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `channel_not_found`.
    pub code: String,
    /// For `forbidden`: the permission that was denied, e.g. `send_reply`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}
