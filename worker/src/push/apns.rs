//! Apple Push Notification service over HTTP/2 with token-based (`.p8` key) authentication.
//!
//! One request per notification: `POST {base}/3/device/{token}` carrying an ES256 provider
//! token. Apple rejects provider tokens older than an hour and refuses new ones more often than
//! every 20 minutes, so a token is kept per (team, key) and renewed after [`TOKEN_LIFETIME`], or
//! once when Apple calls it expired or invalid.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{EXPIRY, Notification, Outcome, retry_after, transport_failure};

/// Apple's production endpoint.
pub const PRODUCTION_URL: &str = "https://api.push.apple.com";
/// Apple's development (sandbox) endpoint, for apps signed with a development profile.
pub const SANDBOX_URL: &str = "https://api.sandbox.push.apple.com";
/// The largest payload Apple accepts for an alert notification.
pub const MAX_PAYLOAD: usize = 4096;
/// The longest `apns-collapse-id` Apple accepts, in bytes.
pub const MAX_COLLAPSE_ID: usize = 64;
/// How long a provider token is used before a new one is signed: inside Apple's hour, well
/// past its 20-minute minimum between renewals.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);

/// A tenant's APNs signing key and app, as configured in Parley.
#[derive(Clone)]
pub struct ApnsCredentials {
    /// The `.p8` file's content: a PKCS#8 PEM of an EC P-256 key.
    pub key_p8: String,
    /// The key's 10-character id from the developer account.
    pub key_id: String,
    /// The developer team id, the provider token's issuer.
    pub team_id: String,
    /// The app's bundle id, sent as `apns-topic`.
    pub bundle_id: String,
    /// Whether to use Apple's sandbox endpoint (development builds).
    pub sandbox: bool,
}

impl fmt::Debug for ApnsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApnsCredentials")
            .field("key_p8", &"[redacted]")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .field("bundle_id", &self.bundle_id)
            .field("sandbox", &self.sandbox)
            .finish()
    }
}

/// Sends notifications to APNs. Cheap to share: keep one per process.
pub struct ApnsClient {
    http: reqwest::Client,
    base_url: Option<String>,
    tokens: Mutex<HashMap<TokenKey, ProviderToken>>,
}

/// Team id, key id and a digest of the key itself.
type TokenKey = (String, String, [u8; 32]);

#[derive(Clone)]
struct ProviderToken {
    jwt: String,
    signed_at: Instant,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: i64,
}

#[derive(Deserialize)]
struct ErrorBody {
    reason: Option<String>,
}

impl ApnsClient {
    /// `http` should come from [`super::http_client`]. `base_url` replaces Apple's endpoints
    /// (both production and sandbox) when set.
    pub fn new(http: reqwest::Client, base_url: Option<String>) -> Self {
        Self {
            http,
            base_url: base_url.map(|u| u.trim_end_matches('/').to_owned()),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Checks credentials before they are stored: the ids are present and the key signs.
    pub fn validate(creds: &ApnsCredentials) -> Result<(), String> {
        for (name, value) in [
            ("key_id", &creds.key_id),
            ("team_id", &creds.team_id),
            ("bundle_id", &creds.bundle_id),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{name} is empty"));
            }
        }
        sign(creds).map(|_| ())
    }

    /// Sends `n` to one device. Never panics and never retries beyond renewing a rejected
    /// provider token once.
    pub async fn send(
        &self,
        creds: &ApnsCredentials,
        device_token: &str,
        n: &Notification,
    ) -> Outcome {
        if device_token.is_empty() || !device_token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Outcome::DeadToken {
                reason: "BadDeviceToken: not a hexadecimal string".into(),
            };
        }
        let payload = match payload(n) {
            Ok(p) => p,
            Err(reason) => return Outcome::Failed { reason },
        };
        let mut jwt = match self.provider_token(creds, None) {
            Ok(jwt) => jwt,
            Err(reason) => return Outcome::Failed { reason },
        };
        let mut renewed = false;
        loop {
            let res = match self.post(creds, device_token, n, &jwt, &payload).await {
                Ok(res) => res,
                Err(err) if err.is_builder() => {
                    return Outcome::Failed {
                        reason: format!("request not sent: {err}"),
                    };
                }
                Err(err) => return transport_failure("APNs", &err),
            };
            let status = res.status();
            let headers = res.headers().clone();
            if status == StatusCode::OK {
                let id = headers
                    .get("apns-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                return Outcome::Delivered { id };
            }
            let reason = res
                .json::<ErrorBody>()
                .await
                .ok()
                .and_then(|b| b.reason)
                .unwrap_or_else(|| status.to_string());
            let token_rejected = status == StatusCode::FORBIDDEN
                && matches!(
                    reason.as_str(),
                    "ExpiredProviderToken" | "InvalidProviderToken"
                );
            if token_rejected && !renewed {
                renewed = true;
                jwt = match self.provider_token(creds, Some(&jwt)) {
                    Ok(jwt) => jwt,
                    Err(reason) => return Outcome::Failed { reason },
                };
                continue;
            }
            return classify(status, reason, retry_after(&headers));
        }
    }

    async fn post(
        &self,
        creds: &ApnsCredentials,
        device_token: &str,
        n: &Notification,
        jwt: &str,
        payload: &[u8],
    ) -> Result<reqwest::Response, reqwest::Error> {
        let base = match (&self.base_url, creds.sandbox) {
            (Some(base), _) => base.as_str(),
            (None, true) => SANDBOX_URL,
            (None, false) => PRODUCTION_URL,
        };
        let expiration = (chrono::Utc::now() + EXPIRY).timestamp();
        let mut req = self
            .http
            .post(format!("{base}/3/device/{device_token}"))
            .header("authorization", format!("bearer {jwt}"))
            .header("apns-topic", &creds.bundle_id)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-expiration", expiration.to_string())
            .header(CONTENT_TYPE, "application/json")
            .body(payload.to_vec());
        if let Some(id) = &n.collapse_id {
            req = req.header("apns-collapse-id", collapse_id(id).as_ref());
        }
        req.send().await
    }

    /// The cached provider token for these credentials, or a new one when there is none, it is
    /// older than [`TOKEN_LIFETIME`], or it is `rejected` (unless another send renewed it
    /// already).
    fn provider_token(
        &self,
        creds: &ApnsCredentials,
        rejected: Option<&str>,
    ) -> Result<String, String> {
        let key = (
            creds.team_id.clone(),
            creds.key_id.clone(),
            Sha256::digest(creds.key_p8.as_bytes()).into(),
        );
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cached) = tokens.get(&key) {
            let fresh = cached.signed_at.elapsed() < TOKEN_LIFETIME;
            if fresh && rejected != Some(cached.jwt.as_str()) {
                return Ok(cached.jwt.clone());
            }
        }
        let jwt = sign(creds)?;
        tokens.insert(
            key,
            ProviderToken {
                jwt: jwt.clone(),
                signed_at: Instant::now(),
            },
        );
        Ok(jwt)
    }
}

/// A provider token: ES256 over {iss: team, iat: now}, `kid` naming the key.
fn sign(creds: &ApnsCredentials) -> Result<String, String> {
    let key = EncodingKey::from_ec_pem(creds.key_p8.as_bytes())
        .map_err(|e| format!("the APNs key is not a PKCS#8 EC PEM: {e}"))?;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(creds.key_id.clone());
    let claims = Claims {
        iss: &creds.team_id,
        iat: chrono::Utc::now().timestamp(),
    };
    jsonwebtoken::encode(&header, &claims, &key)
        .map_err(|e| format!("the APNs key cannot sign an ES256 token: {e}"))
}

/// Maps Apple's answer (other than 200 and a first provider-token rejection) to an outcome.
fn classify(status: StatusCode, reason: String, after: Option<Duration>) -> Outcome {
    match status.as_u16() {
        400 if matches!(reason.as_str(), "BadDeviceToken" | "DeviceTokenNotForTopic") => {
            Outcome::DeadToken { reason }
        }
        410 => Outcome::DeadToken { reason },
        429 | 500..=599 => Outcome::Retry { reason, after },
        _ => Outcome::Failed {
            reason: format!("{}: {reason}", status.as_u16()),
        },
    }
}

/// The collapse id as sent: Apple caps it at 64 bytes, so a longer one is replaced by its
/// SHA-256 (64 hex digits), which keeps distinct ids distinct.
pub(super) fn collapse_id(id: &str) -> Cow<'_, str> {
    if id.len() <= MAX_COLLAPSE_ID {
        return Cow::Borrowed(id);
    }
    let digest = Sha256::digest(id.as_bytes());
    Cow::Owned(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// The JSON payload, its body shortened (ending in "…") until the whole fits in
/// [`MAX_PAYLOAD`]. Data keys go at the top level, except `aps`, which is Apple's.
fn payload(n: &Notification) -> Result<Vec<u8>, String> {
    let mut keep = n.body.len();
    loop {
        let body: Cow<'_, str> = if keep == n.body.len() {
            Cow::Borrowed(&n.body)
        } else {
            Cow::Owned(format!("{}…", &n.body[..keep]))
        };
        let bytes = serde_json::to_vec(&render(n, &body))
            .map_err(|e| format!("payload not serializable: {e}"))?;
        if bytes.len() <= MAX_PAYLOAD {
            return Ok(bytes);
        }
        if keep == 0 {
            return Err(format!(
                "payload is {} bytes with an empty body, over APNs' {MAX_PAYLOAD}",
                bytes.len()
            ));
        }
        let excess = bytes.len() - MAX_PAYLOAD;
        let ellipsis = if keep == n.body.len() {
            '…'.len_utf8()
        } else {
            0
        };
        let target = keep.saturating_sub(excess + ellipsis).min(keep - 1);
        keep = n.body.floor_char_boundary(target);
    }
}

fn render(n: &Notification, body: &str) -> Value {
    let mut aps = Map::new();
    aps.insert("alert".into(), json!({ "title": n.title, "body": body }));
    if let Some(badge) = n.badge {
        aps.insert("badge".into(), badge.into());
    }
    aps.insert("sound".into(), "default".into());
    if let Some(thread) = &n.thread_id {
        aps.insert("thread-id".into(), thread.as_str().into());
    }
    let mut root = Map::new();
    for (key, value) in &n.data {
        if key != "aps" {
            root.insert(key.clone(), value.as_str().into());
        }
    }
    root.insert("aps".into(), Value::Object(aps));
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_body_is_cut_to_fit() {
        let n = Notification {
            title: "t".into(),
            body: "é".repeat(5000),
            ..Notification::default()
        };
        let bytes = payload(&n).unwrap_or_default();
        assert!(bytes.len() <= MAX_PAYLOAD && bytes.len() > MAX_PAYLOAD - 8);
        let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let body = v["aps"]["alert"]["body"].as_str().unwrap_or_default();
        assert!(body.ends_with('…') && body.starts_with("éé"));
    }

    #[test]
    fn data_too_large_for_any_body_fails() {
        let n = Notification {
            data: [("k".to_owned(), "x".repeat(5000))].into(),
            ..Notification::default()
        };
        assert!(payload(&n).is_err());
    }

    #[test]
    fn long_collapse_ids_are_hashed_to_64_bytes() {
        assert_eq!(collapse_id("room-1"), "room-1");
        let long = "x".repeat(100);
        assert_eq!(collapse_id(&long).len(), MAX_COLLAPSE_ID);
        assert_ne!(collapse_id(&long), collapse_id(&"y".repeat(100)));
    }
}
