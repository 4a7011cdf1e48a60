use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

/// A user's role in the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    #[default]
    User,
    /// May do everything the tenant server may, inside the tenant.
    Admin,
    /// A visitor: gets what channel types grant to `guest` (by default, reading open
    /// channels and what a membership grants).
    Guest,
}

impl UserRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
            Self::Guest => "guest",
        }
    }
    pub fn from_db(s: &str) -> Self {
        match s {
            "admin" => Self::Admin,
            "guest" => Self::Guest,
            _ => Self::User,
        }
    }
}

/// A member's role in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    Owner,
    Moderator,
    #[default]
    Member,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Moderator => "moderator",
            Self::Member => "member",
        }
    }
    pub fn from_db(s: &str) -> Self {
        match s {
            "owner" => Self::Owner,
            "moderator" => Self::Moderator,
            _ => Self::Member,
        }
    }
    /// Owners and moderators manage the channel and its messages.
    pub fn can_moderate(self) -> bool {
        matches!(self, Self::Owner | Self::Moderator)
    }
}
