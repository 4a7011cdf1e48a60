//! Firebase Cloud Messaging over the HTTP v1 API, authenticated as a service account.
//!
//! `POST {base}/v1/projects/{project}/messages:send` with an OAuth2 access token. The token comes
//! from `gcp_auth`'s `CustomServiceAccount`: it signs the RFC 7523 assertion, posts it to the
//! `token_uri` named in the service-account JSON (plain HTTP or HTTPS trusted by the system
//! roots) and caches the token until 20 s before it expires. Its cache cannot be emptied, so
//! when FCM answers 401 the account is built again, which fetches a new token once.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gcp_auth::{CustomServiceAccount, TokenProvider};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{EXPIRY, Notification, Outcome, retry_after, transport_failure};

/// Google's endpoint.
pub const DEFAULT_URL: &str = "https://fcm.googleapis.com";
/// The OAuth2 scope that allows sending messages.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// The parts of a Firebase service-account JSON key that sending needs.
#[derive(Clone)]
pub struct FcmCredentials {
    pub project_id: String,
    pub client_email: String,
    /// PKCS#8 PEM of the account's RSA key.
    private_key: String,
    /// Where access tokens are obtained (Google's, or a stand-in's in tests).
    pub token_uri: String,
}

#[derive(Deserialize)]
struct ServiceAccountJson {
    #[serde(rename = "type")]
    kind: Option<String>,
    project_id: Option<String>,
    client_email: Option<String>,
    private_key: Option<String>,
    token_uri: Option<String>,
}

impl FcmCredentials {
    /// Reads the JSON key downloaded from the Firebase console. Fails, naming the field, when
    /// one is missing or the private key is not an RSA PEM.
    pub fn parse(json: &str) -> Result<Self, String> {
        let raw: ServiceAccountJson =
            serde_json::from_str(json).map_err(|e| format!("not a service-account JSON: {e}"))?;
        if let Some(kind) = raw.kind.as_deref()
            && kind != "service_account"
        {
            return Err(format!("type is {kind:?}, not \"service_account\""));
        }
        let field = |value: Option<String>, name: &str| {
            value
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| format!("{name} is missing"))
        };
        let creds = Self {
            project_id: field(raw.project_id, "project_id")?,
            client_email: field(raw.client_email, "client_email")?,
            private_key: field(raw.private_key, "private_key")?,
            token_uri: field(raw.token_uri, "token_uri")?,
        };
        jsonwebtoken::EncodingKey::from_rsa_pem(creds.private_key.as_bytes())
            .map_err(|e| format!("private_key is not an RSA PEM: {e}"))?;
        Ok(creds)
    }

    /// Identifies the account and key, so a replaced key gets its own cached account.
    fn fingerprint(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        for part in [&self.token_uri, &self.client_email, &self.private_key] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.finalize().into()
    }

    fn account(&self) -> Result<CustomServiceAccount, gcp_auth::Error> {
        let json = json!({
            "type": "service_account",
            "project_id": self.project_id,
            "client_email": self.client_email,
            "private_key": self.private_key,
            "token_uri": self.token_uri,
        });
        CustomServiceAccount::from_json(&json.to_string())
    }
}

impl fmt::Debug for FcmCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FcmCredentials")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("private_key", &"[redacted]")
            .field("token_uri", &self.token_uri)
            .finish()
    }
}

/// Sends notifications to FCM. Cheap to share: keep one per process.
pub struct FcmClient {
    http: reqwest::Client,
    base_url: String,
    accounts: Mutex<HashMap<[u8; 32], Arc<CustomServiceAccount>>>,
}

#[derive(Deserialize)]
struct Sent {
    name: Option<String>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: GoogleError,
}

/// Google's error body: `{"error": {"code", "status", "message", "details": [...]}}`.
#[derive(Deserialize, Default)]
struct GoogleError {
    status: Option<String>,
    message: Option<String>,
    #[serde(default)]
    details: Vec<Value>,
}

impl GoogleError {
    /// FCM's own code (`UNREGISTERED`, `QUOTA_EXCEEDED`…) from the `FcmError` detail.
    fn fcm_code(&self) -> Option<&str> {
        self.details
            .iter()
            .filter(|d| d["@type"].as_str().is_some_and(|t| t.ends_with("FcmError")))
            .find_map(|d| d["errorCode"].as_str())
    }

    /// Whether a 400 blames the registration token, by a `BadRequest` field violation on
    /// `message.token` or by its message.
    fn blames_token(&self) -> bool {
        let field_violation = self.details.iter().any(|d| {
            d["fieldViolations"]
                .as_array()
                .is_some_and(|v| v.iter().any(|f| f["field"] == "message.token"))
        });
        let message = self
            .message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("registration token"));
        field_violation || message
    }
}

impl FcmClient {
    /// `http` should come from [`super::http_client`]. `base_url` replaces Google's endpoint.
    pub fn new(http: reqwest::Client, base_url: Option<String>) -> Self {
        let base_url = base_url.unwrap_or_else(|| DEFAULT_URL.to_owned());
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            accounts: Mutex::new(HashMap::new()),
        }
    }

    /// Sends `n` to one registration token. Never panics and never retries beyond renewing a
    /// rejected access token once.
    pub async fn send(
        &self,
        creds: &FcmCredentials,
        device_token: &str,
        n: &Notification,
    ) -> Outcome {
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.base_url, creds.project_id
        );
        let body = message(device_token, n);
        let mut rejected = None;
        loop {
            let account = match self.account(creds, rejected.as_ref()) {
                Ok(account) => account,
                Err(e) => {
                    return Outcome::Failed {
                        reason: format!("service account unusable: {e}"),
                    };
                }
            };
            let token = match account.token(&[SCOPE]).await {
                Ok(token) => token,
                Err(e) => return token_failure(&e),
            };
            let res = match self
                .http
                .post(&url)
                .bearer_auth(token.as_str())
                .json(&body)
                .send()
                .await
            {
                Ok(res) => res,
                Err(err) if err.is_builder() => {
                    return Outcome::Failed {
                        reason: format!("request not sent: {err}"),
                    };
                }
                Err(err) => return transport_failure("FCM", &err),
            };
            let status = res.status();
            let after = retry_after(res.headers());
            if status == StatusCode::OK {
                let id = res.json::<Sent>().await.ok().and_then(|s| s.name);
                return Outcome::Delivered { id };
            }
            if status == StatusCode::UNAUTHORIZED && rejected.is_none() {
                rejected = Some(account);
                continue;
            }
            let error = res.json::<ErrorEnvelope>().await.ok().map(|e| e.error);
            return classify(status, error, after);
        }
    }

    /// The cached account for these credentials, or a new one (with an empty token cache) when
    /// there is none or the cached one is `rejected`.
    fn account(
        &self,
        creds: &FcmCredentials,
        rejected: Option<&Arc<CustomServiceAccount>>,
    ) -> Result<Arc<CustomServiceAccount>, gcp_auth::Error> {
        let key = creds.fingerprint();
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cached) = accounts.get(&key)
            && !rejected.is_some_and(|r| Arc::ptr_eq(r, cached))
        {
            return Ok(cached.clone());
        }
        let account = Arc::new(creds.account()?);
        accounts.insert(key, account.clone());
        Ok(account)
    }
}

/// The token endpoint unreachable is passing; an answer refusing the assertion is not.
fn token_failure(err: &gcp_auth::Error) -> Outcome {
    let reason = format!("OAuth token not obtained: {err}");
    match err {
        gcp_auth::Error::Other(..) | gcp_auth::Error::Http(..) => Outcome::Retry {
            reason,
            after: None,
        },
        _ => Outcome::Failed { reason },
    }
}

/// Maps FCM's answer (other than 200 and a first 401) to an outcome.
fn classify(status: StatusCode, error: Option<GoogleError>, after: Option<Duration>) -> Outcome {
    let Some(error) = error else {
        let reason = format!("{status} without Google's error body");
        return match status.as_u16() {
            429 | 500..=599 => Outcome::Retry { reason, after },
            _ => Outcome::Failed { reason },
        };
    };
    let code = error.fcm_code().or(error.status.as_deref()).unwrap_or("");
    let reason = format!(
        "{} {code}: {}",
        status.as_u16(),
        error.message.as_deref().unwrap_or("")
    );
    let unregistered = error.fcm_code() == Some("UNREGISTERED")
        || (status == StatusCode::NOT_FOUND && error.status.as_deref() == Some("NOT_FOUND"));
    match status.as_u16() {
        _ if unregistered => Outcome::DeadToken { reason },
        400 if error.blames_token() => Outcome::DeadToken { reason },
        429 | 500..=599 => Outcome::Retry { reason, after },
        _ => Outcome::Failed { reason },
    }
}

/// The v1 message: a notification for the system tray, the data for the app, a collapse key
/// on Android and the same collapse id and badge for iOS devices reached through FCM.
fn message(device_token: &str, n: &Notification) -> Value {
    let mut android = Map::new();
    android.insert("priority".into(), "high".into());
    android.insert("ttl".into(), format!("{}s", EXPIRY.as_secs()).into());
    if let Some(id) = &n.collapse_id {
        android.insert("collapse_key".into(), id.as_str().into());
    }
    let mut headers = Map::new();
    if let Some(id) = &n.collapse_id {
        headers.insert(
            "apns-collapse-id".into(),
            super::apns::collapse_id(id).as_ref().into(),
        );
    }
    let mut aps = Map::new();
    if let Some(badge) = n.badge {
        aps.insert("badge".into(), badge.into());
    }
    if let Some(thread) = &n.thread_id {
        aps.insert("thread-id".into(), thread.as_str().into());
    }
    json!({
        "message": {
            "token": device_token,
            "notification": { "title": n.title, "body": n.body },
            "data": n.data,
            "android": android,
            "apns": { "headers": headers, "payload": { "aps": aps } },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_outcomes() {
        let error = |body: Value| {
            serde_json::from_value::<ErrorEnvelope>(body)
                .ok()
                .map(|e| e.error)
        };
        let unregistered = error(json!({"error": {"code": 404, "status": "NOT_FOUND",
            "message": "Requested entity was not found.",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                         "errorCode": "UNREGISTERED"}]}}));
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, unregistered, None),
            Outcome::DeadToken { .. }
        ));
        let invalid = error(json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
            "message": "The registration token is not a valid FCM registration token"}}));
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, invalid, None),
            Outcome::DeadToken { .. }
        ));
        let bad_data = error(json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
            "message": "Invalid value at 'message.data[0].value'"}}));
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, bad_data, None),
            Outcome::Failed { .. }
        ));
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, None, None),
            Outcome::Failed { .. }
        ));
        assert!(matches!(
            classify(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                Some(Duration::from_secs(3))
            ),
            Outcome::Retry { after: Some(_), .. }
        ));
    }

    #[test]
    fn parse_names_the_missing_field() {
        let err = FcmCredentials::parse(r#"{"type":"service_account","project_id":"p"}"#);
        assert_eq!(err.err().as_deref(), Some("client_email is missing"));
        let err = FcmCredentials::parse(r#"{"type":"authorized_user"}"#);
        assert!(err.is_err());
    }
}
