//! Blocklists as clients see and write them, and how a channel type uses them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A list of blocked words and regular expressions. Matching folds case, accents and
/// compatibility forms (`Ｂád` reads `bad`); words match whole words or phrases, expressions
/// match anywhere in the folded text, in linear time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Blocklist {
    pub name: String,
    pub words: Vec<String>,
    pub patterns: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The body of `PUT /v1/blocklists/{name}`: the list's whole content.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlocklistInput {
    /// Words and phrases (1 to 100 characters each, at most 10,000), matched as whole words
    /// in any case and with or without accents.
    #[serde(default)]
    #[schema(max_items = 10_000)]
    pub words: Vec<String>,
    /// Regular expressions (Rust `regex` syntax: no look-around or back-references, so
    /// matching stays linear; at most 100, of 1 to 500 characters), matched against the
    /// folded text: lowercase, without accents.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub patterns: Vec<String>,
}

/// What a channel type does with a message that matches a blocklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlocklistAction {
    /// Store it as sent and report it to the moderators (`message.flagged`).
    Flag,
    /// Store it with every match replaced by `***`.
    Mask,
    /// Refuse it: 422 `message_blocked`.
    Block,
}

impl BlocklistAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "flag",
            Self::Mask => "mask",
            Self::Block => "block",
        }
    }
}

/// A blocklist a channel type screens messages with, and its action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlocklistRule {
    /// The blocklist's name.
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    pub name: String,
    pub action: BlocklistAction,
}
