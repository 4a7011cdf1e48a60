use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

/// A user the caller blocked.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct Block {
    pub user_id: String,
    pub created_at: DateTime<Utc>,
}

/// A user as every API answer shows it.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct User {
    pub id: String,
    pub name: Option<String>,
    pub image: Option<String>,
    pub role: UserRole,
    #[schema(value_type = Object)]
    pub custom: serde_json::Value,
    pub deactivated: bool,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The body of `PUT /v1/users/{user_id}` (create or replace) and `PATCH` (change some fields).
#[derive(Clone, Debug, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<UserRole>,
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Value>,
}

/// How `DELETE /v1/users/{user_id}` treats the user.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeleteMode {
    /// Deactivate: the user can no longer connect; everything is kept.
    #[default]
    Soft,
    /// Remove the user, their memberships, reactions and uploaded files.
    Hard,
}

/// What a hard delete does with the user's messages.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeletedUserMessages {
    /// Keep them, shown as by a deleted user (`user_id: null`).
    #[default]
    Keep,
    /// Delete them (tombstones keep their `seq`).
    Delete,
}

impl DeletedUserMessages {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Delete => "delete",
        }
    }
}
