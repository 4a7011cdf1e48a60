//! Cursor pagination: lists are `{"items": [...], "next_cursor": string|null}`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{Error, Result};
pub use parley_wire::page::Page;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// Clamps a requested page size, refusing nonsense rather than guessing.
pub fn limit(requested: Option<u64>) -> Result<u64> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(0) => Err(Error::invalid("`limit` must be at least 1")),
        Some(n) if n > MAX_LIMIT => Err(Error::invalid(format!(
            "`limit` must be at most {MAX_LIMIT}"
        ))),
        Some(n) => Ok(n),
    }
}

/// Opaque cursors are base64url text; what is inside is ours to change.
pub fn encode_cursor(raw: &str) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

pub fn decode_cursor(cursor: &str) -> Result<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| Error::invalid("`cursor` is not a cursor this API gave out"))
}

/// A cursor that holds one number (an offset, a `seq`, an id).
pub fn decode_number_cursor<T: std::str::FromStr>(cursor: &str) -> Result<T> {
    decode_cursor(cursor)?
        .parse()
        .map_err(|_| Error::invalid("`cursor` is not a cursor this API gave out"))
}

/// Trims the extra row fetched to learn whether another page exists.
pub fn next_cursor<T>(rows: &mut Vec<T>, limit: u64, key: impl Fn(&T) -> String) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| encode_cursor(&key(r)))
    } else {
        None
    }
}
