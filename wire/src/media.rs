use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[allow(unused_imports)]
use crate::*;
use utoipa::ToSchema;

/// The kinds of attachment a client may describe by URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentKind {
    Image,
    Video,
    Audio,
    File,
    Link,
}

/// An attachment as a client sends it: either `upload_id` (a completed upload: Parley fills in
/// `type`, `content_type`, `filename`, `size` and signed URLs, and ignores those fields if sent
/// back), or `type` and `url` for a file elsewhere. Other fields are refused; put app data in
/// `custom`.
#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[allow(dead_code)] // the schema of the documentation; bodies are checked by `parse`
pub struct AttachmentInput {
    /// A completed upload of this tenant (of the author, unless the tenant server sends).
    #[schema(min_length = 1, max_length = 64)]
    upload_id: Option<String>,
    /// Required without `upload_id`.
    #[serde(rename = "type")]
    kind: Option<AttachmentKind>,
    /// Required without `upload_id`: an `http` or `https` URL.
    #[schema(max_length = 2048, pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]+")]
    url: Option<String>,
    /// A preview image, `http` or `https`.
    #[schema(max_length = 2048, pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]+")]
    thumb_url: Option<String>,
    #[schema(max_length = 256)]
    title: Option<String>,
    /// A description.
    #[schema(max_length = 1000)]
    text: Option<String>,
    /// The MIME type of the file at `url`.
    #[schema(max_length = 255)]
    mime_type: Option<String>,
    /// Bytes.
    #[schema(minimum = 0, maximum = 9007199254740991_u64)]
    size: Option<u64>,
    #[schema(minimum = 0, maximum = 100000)]
    width: Option<u32>,
    #[schema(minimum = 0, maximum = 100000)]
    height: Option<u32>,
    /// App data, up to the tenant's custom data limit (8 KiB by default).
    #[schema(value_type = Option<Object>)]
    custom: Option<Value>,
}

/// The body of `POST /v1/uploads`.
#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewUpload {
    /// The file's name, shown to other users (a path is cut to its last part, which must
    /// have 1 to 255 characters besides surrounding spaces, no control characters, and not
    /// be `.` or `..`).
    #[schema(
        pattern = "^(?:.*[/\\\\])?\\s*(?!\\.\\.?\\s*$)[^/\\\\\\x00-\\x1f\\x7f-\\x9f]*[^\\s/\\\\\\x00-\\x1f\\x7f-\\x9f][^/\\\\\\x00-\\x1f\\x7f-\\x9f]*$",
        max_length = 255
    )]
    pub filename: String,
    /// The media type the client will send as `Content-Type`, e.g. `image/png`.
    #[schema(pattern = "^\\s*[A-Za-z0-9!#$&^_.+-]{1,127}/[A-Za-z0-9!#$&^_.+-]{1,127}\\s*(;.*)?$")]
    pub content_type: String,
    /// The exact size in bytes.
    #[schema(minimum = 1)]
    pub size: u64,
    /// With the secret key: the user who uploads (unset: the tenant server itself).
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Where and how to send the bytes: `PUT put_url` with exactly `headers`, before `expires_at`.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct CreatedUpload {
    pub upload_id: String,
    pub put_url: String,
    /// Headers the PUT must carry exactly (the URL's signature covers them).
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
}

/// A completed upload as messages carry it in `attachments`. URLs are signed and short-lived;
/// fetch the message or `GET /v1/uploads/{upload_id}` again for fresh ones.
#[derive(Debug, Clone, Serialize, ToSchema, Deserialize)]
pub struct Attachment {
    pub upload_id: String,
    /// `image`, `video`, `audio` or `file`.
    #[serde(rename = "type")]
    pub kind: String,
    pub content_type: String,
    pub filename: String,
    pub size: u64,
    /// Signed download URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When `url` and `thumb_url` stop working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_expires_at: Option<DateTime<Utc>>,
    /// Images: pixels, after applying the EXIF orientation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Images: a signed URL of a thumbnail at most 320 pixels on its long side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb_width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb_height: Option<u32>,
    /// Images: `pending`, `done` or `failed` (the file could not be decoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_status: Option<String>,
}

/// An upload as its owner sees it.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Upload {
    #[serde(flatten)]
    pub attachment: Attachment,
    /// `pending` until `POST /v1/uploads/{upload_id}/complete` succeeds, then `complete`.
    pub status: String,
    /// A fresh signed download URL (complete uploads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub get_url: Option<String>,
    /// The message it is attached to.
    pub message_id: Option<String>,
    pub user_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// Bytes and objects a tenant keeps in the media store (completed uploads and thumbnails).
#[derive(Clone, Debug, Default, Serialize, ToSchema, Deserialize)]
pub struct StorageUsage {
    pub bytes: u64,
    pub objects: u64,
}

/// What a tenant uses.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Usage {
    /// The media store: completed uploads and their thumbnails.
    pub storage: StorageUsage,
}
