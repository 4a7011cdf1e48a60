//! What a client may put in a message's `attachments`: a reference to a completed upload, or a
//! typed object pointing at a file elsewhere (`image`, `video`, `audio`, `file`, `link`) whose
//! URLs are http(s) and whose fields are bounded. Clients render attachments, so nothing else
//! gets in: anything an app wants to carry beside them goes in the attachment's `custom`.

use serde_json::{Map, Value};

use crate::{Error, Result};
pub use parley_wire::media::{AttachmentInput, AttachmentKind};

/// At most this many attachments on one message.
pub const MAX_ATTACHMENTS: usize = 30;
const MAX_URL: usize = 2048;
const MAX_TITLE: usize = 256;
const MAX_TEXT: usize = 1000;
const MAX_MIME: usize = 255;
/// The largest integer every JSON client reads exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
const MAX_PIXELS: u64 = 100_000;

/// Fields Parley sets on an upload's attachment; a client sending them back is not refused,
/// they are replaced.
pub(crate) const UPLOAD_SERVER_FIELDS: &[&str] = &[
    "type",
    "content_type",
    "filename",
    "size",
    "url",
    "url_expires_at",
    "width",
    "height",
    "thumb_url",
    "thumb_width",
    "thumb_height",
    "thumbnail_status",
];

/// Checks a message's `attachments` and returns them as they are stored.
pub fn parse(v: Option<Value>, max_custom_bytes: usize) -> Result<Value> {
    let items = match v {
        None | Some(Value::Null) => return Ok(Value::Array(Vec::new())),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(Error::invalid("`attachments` must be an array")),
    };
    if items.len() > MAX_ATTACHMENTS {
        return Err(Error::invalid(format!(
            "at most {MAX_ATTACHMENTS} `attachments`"
        )));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("attachments[{i}]");
            match item {
                Value::Object(obj) => one(&at, obj, max_custom_bytes).map(Value::Object),
                _ => Err(Error::invalid(format!("`{at}` must be a JSON object"))),
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

/// The upload ids an `attachments` array refers to.
pub fn upload_ids(attachments: &Value) -> impl Iterator<Item = &str> {
    attachments
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("upload_id").and_then(Value::as_str))
}

fn one(
    at: &str,
    mut obj: Map<String, Value>,
    max_custom_bytes: usize,
) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    if let Some(id) = obj.remove("upload_id") {
        if !id.is_string() {
            return Err(Error::invalid(format!("`{at}.upload_id` must be a string")));
        }
        out.insert("upload_id".into(), id);
        for f in UPLOAD_SERVER_FIELDS {
            obj.remove(*f);
        }
    } else {
        let kind = obj.remove("type").ok_or_else(|| {
            Error::invalid(format!("`{at}` needs `upload_id`, or `type` and `url`"))
        })?;
        if serde_json::from_value::<AttachmentKind>(kind.clone()).is_err() {
            return Err(Error::invalid(format!(
                "`{at}.type` must be one of image, video, audio, file, link (or use `upload_id`); \
                 put other kinds of data in `custom`"
            )));
        }
        out.insert("type".into(), kind);
        let url = obj
            .remove("url")
            .ok_or_else(|| Error::invalid(format!("`{at}.url` is required without `upload_id`")))?;
        out.insert("url".into(), web_url(&format!("{at}.url"), url)?);
        if let Some(v) = obj.remove("mime_type") {
            out.insert(
                "mime_type".into(),
                text(&format!("{at}.mime_type"), v, MAX_MIME)?,
            );
        }
        if let Some(v) = obj.remove("size") {
            out.insert(
                "size".into(),
                count(&format!("{at}.size"), v, MAX_SAFE_INTEGER)?,
            );
        }
        for f in ["width", "height"] {
            if let Some(v) = obj.remove(f) {
                out.insert(f.into(), count(&format!("{at}.{f}"), v, MAX_PIXELS)?);
            }
        }
        if let Some(v) = obj.remove("thumb_url") {
            out.insert("thumb_url".into(), web_url(&format!("{at}.thumb_url"), v)?);
        }
    }
    if let Some(v) = obj.remove("title") {
        out.insert("title".into(), text(&format!("{at}.title"), v, MAX_TITLE)?);
    }
    if let Some(v) = obj.remove("text") {
        out.insert("text".into(), text(&format!("{at}.text"), v, MAX_TEXT)?);
    }
    if let Some(v) = obj.remove("custom") {
        let field = format!("{at}.custom");
        out.insert(
            "custom".into(),
            crate::kernel::ids::parse_custom(&field, v, max_custom_bytes)?,
        );
    }
    if let Some(unknown) = obj.keys().next() {
        return Err(Error::invalid(format!(
            "`{at}.{unknown}` is not an attachment field; put app data in `{at}.custom`"
        )));
    }
    Ok(out)
}

fn text(field: &str, v: Value, max_chars: usize) -> Result<Value> {
    match &v {
        Value::String(s) if s.chars().count() <= max_chars => Ok(v),
        Value::String(_) => Err(Error::invalid(format!(
            "`{field}` may be at most {max_chars} characters"
        ))),
        _ => Err(Error::invalid(format!("`{field}` must be a string"))),
    }
}

fn count(field: &str, v: Value, max: u64) -> Result<Value> {
    match v.as_u64() {
        Some(n) if n <= max => Ok(Value::from(n)),
        _ => Err(Error::invalid(format!(
            "`{field}` must be a whole number from 0 to {max}"
        ))),
    }
}

/// An absolute `http` or `https` URL with a host: no `javascript:`, `data:` or `file:` a
/// client would render or open.
fn web_url(field: &str, v: Value) -> Result<Value> {
    let Value::String(s) = &v else {
        return Err(Error::invalid(format!("`{field}` must be a string")));
    };
    if s.len() > MAX_URL {
        return Err(Error::invalid(format!(
            "`{field}` may be at most {MAX_URL} bytes"
        )));
    }
    let url =
        url::Url::parse(s).map_err(|e| Error::invalid(format!("`{field}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(format!(
            "`{field}` must be an http or https URL"
        )));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> Result<Value> {
        parse(Some(v), 8192)
    }

    #[test]
    fn only_web_urls() {
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "vbscript:msgbox",
            "//example.com/x.png",
            "http://",
        ] {
            let e = check(json!([{"type": "image", "url": bad}])).unwrap_err();
            assert!(
                e.detail.contains("attachments[0].url"),
                "{bad}: {}",
                e.detail
            );
        }
        let ok = check(
            json!([{"type": "image", "url": "https://cdn.example.com/cat.png",
                               "thumb_url": "http://cdn.example.com/t.png", "width": 640}]),
        )
        .unwrap();
        assert_eq!(ok[0]["width"], 640);
    }

    #[test]
    fn unknown_types_and_fields_go_in_custom() {
        let e = check(json!([{"type": "location", "url": "https://x.test"}])).unwrap_err();
        assert!(e.detail.contains("custom"), "{}", e.detail);
        let e =
            check(json!([{"type": "file", "url": "https://x.test", "onclick": "x"}])).unwrap_err();
        assert!(e.detail.contains("attachments[0].onclick"), "{}", e.detail);
        let ok = check(json!([{"type": "link", "url": "https://x.test", "custom": {"lat": 1}}]))
            .unwrap();
        assert_eq!(ok[0]["custom"]["lat"], 1);
    }

    #[test]
    fn uploads_keep_only_their_reference() {
        let ok = check(
            json!([{"upload_id": "u1", "url": "javascript:x", "type": "image",
                               "content_type": "text/html", "title": "Cat"}]),
        )
        .unwrap();
        assert_eq!(ok, json!([{"upload_id": "u1", "title": "Cat"}]));
    }

    #[test]
    fn bounds() {
        assert!(check(json!([{"type": "file", "url": "https://x.test", "size": -1}])).is_err());
        assert!(check(json!([{"type": "file", "url": "https://x.test", "size": 1e300}])).is_err());
        assert!(
            check(json!([{"type": "file", "url": "https://x.test", "title": "x".repeat(257)}]))
                .is_err()
        );
        let long = format!("https://x.test/{}", "a".repeat(2048));
        assert!(check(json!([{"type": "file", "url": long}])).is_err());
        assert!(check(json!([{"type": "file"}])).is_err());
        assert!(check(json!([1])).is_err());
    }
}
