//! Identifiers and parsed inputs. A value of these types has been checked once, at the edge,
//! so the use cases never see a malformed id, an oversize text or a custom object that is not one.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, ErrorCode, Result};
pub use parley_wire::channels::ChannelType;
use parley_wire::check_chars;
pub use parley_wire::roles::{MemberRole, UserRole};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A tenant (one business using Parley).
    TenantId
);
string_id!(
    /// A user, chosen by the tenant: letters, digits and `_ - . @`.
    UserId
);
string_id!(
    /// A message: a server UUIDv7 or a client-chosen id (letters, digits, `_ -`).
    MessageId
);

impl TenantId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }
    /// Tenant ids come from our own database or from the operator's path; anything else
    /// simply finds nothing.
    pub fn from_trusted(s: impl Into<String>) -> Self {
        Self(s.into())
    }
}

impl UserId {
    pub const MAX_LEN: usize = 128;

    pub fn parse(field: &str, s: &str) -> Result<Self> {
        check_chars(
            field,
            s,
            Self::MAX_LEN,
            |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'),
            "letters, digits, _ - . @",
        )?;
        Ok(Self(s.to_owned()))
    }
}

impl MessageId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    pub fn parse(field: &str, s: &str) -> Result<Self> {
        check_chars(
            field,
            s,
            64,
            |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'),
            "letters, digits, _ -",
        )?;
        Ok(Self(s.to_owned()))
    }
}

/// A channel address, `type:id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cid {
    pub kind: ChannelType,
    pub id: String,
}

impl Cid {
    pub fn parse(kind: &str, id: &str) -> Result<Self> {
        let kind = ChannelType::parse(kind)?;
        check_chars(
            "id",
            id,
            64,
            |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'),
            "letters, digits, _ -",
        )?;
        Ok(Self {
            kind,
            id: id.to_owned(),
        })
    }

    /// Parses `type:id`.
    pub fn parse_cid(cid: &str) -> Result<Self> {
        let (kind, id) = cid
            .split_once(':')
            .ok_or_else(|| Error::invalid(format!("`cid` must be `type:id`, got `{cid}`")))?;
        Self::parse(kind, id)
    }

    pub fn generated(kind: ChannelType) -> Self {
        Self {
            kind,
            id: uuid::Uuid::now_v7().simple().to_string(),
        }
    }
}

impl fmt::Display for Cid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.id)
    }
}

/// Message text within the tenant's length limit (counted in characters, not bytes).
pub struct MessageText(String);

impl MessageText {
    pub fn parse(text: String, max_chars: usize) -> Result<Self> {
        let n = text.chars().count();
        if n > max_chars {
            return Err(Error::new(
                ErrorCode::MessageTooLong,
                format!("`text` is {n} characters; the limit is {max_chars}"),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(Error::invalid("`text` contains control characters"));
        }
        Ok(Self(text))
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A `custom` JSON object within the size limit.
pub fn parse_custom(
    field: &str,
    value: serde_json::Value,
    max_bytes: usize,
) -> Result<serde_json::Value> {
    if !value.is_object() {
        return Err(Error::invalid(format!("`{field}` must be a JSON object")));
    }
    let size = serde_json::to_vec(&value)?.len();
    if size > max_bytes {
        return Err(Error::new(
            ErrorCode::CustomDataTooLarge,
            format!("`{field}` is {size} bytes of JSON; the limit is {max_bytes}"),
        ));
    }
    Ok(value)
}

/// A reaction type such as `like` or `love`.
pub fn parse_reaction_type(s: &str) -> Result<String> {
    check_chars(
        "type",
        s,
        32,
        |c| !c.is_whitespace() && !c.is_control() && c != '/',
        "any character but spaces, control characters and /",
    )?;
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_parsed() {
        assert!(UserId::parse("user_id", "alice@example.com").is_ok());
        assert!(UserId::parse("user_id", "").is_err());
        assert!(UserId::parse("user_id", "a b").is_err());
        assert!(UserId::parse("user_id", &"x".repeat(129)).is_err());
        assert_eq!(
            Cid::parse_cid("messaging:general").unwrap().to_string(),
            "messaging:general"
        );
        // Any well-formed type name parses (the tenant may have defined it); case matters.
        assert!(Cid::parse_cid("support:general").is_ok());
        assert!(Cid::parse_cid("Nope:general").is_err());
        assert!(Cid::parse_cid(&format!("{}:general", "x".repeat(33))).is_err());
        assert!(Cid::parse_cid("messaging").is_err());
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        assert!(MessageText::parse("é".repeat(10), 10).is_ok());
        let err = MessageText::parse("é".repeat(11), 10).err().unwrap();
        assert_eq!(err.code, ErrorCode::MessageTooLong);
    }

    #[test]
    fn custom_must_be_a_small_object() {
        assert!(parse_custom("custom", serde_json::json!([1]), 100).is_err());
        let err =
            parse_custom("custom", serde_json::json!({"a": "x".repeat(200)}), 100).unwrap_err();
        assert_eq!(err.code, ErrorCode::CustomDataTooLarge);
    }
}
