//! A stand-in for APNs' provider API (`POST /3/device/{token}`), HTTP/2 over TLS only.
//!
//! It checks what Apple checks for token-based authentication (the ES256 provider token
//! against the configured key, its `kid`, `iss` and age; `apns-topic`; `apns-push-type`;
//! priority, expiration and collapse id; payload size and shape; device token format), answers
//! with Apple's statuses and reasons, and records every request and every accepted notification.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use parley_worker::push::ApnsCredentials;
use serde_json::{Value, json};

use super::{ApnsKey, Reply, Req, Resp, Scripts, Server, json, now, serve, tls_h2};

const PUSH_TYPES: &[&str] = &[
    "alert",
    "background",
    "location",
    "voip",
    "complication",
    "fileprovider",
    "mdm",
    "liveactivity",
    "pushtotalk",
];

/// A notification APNs accepted (200).
#[derive(Debug, Clone)]
pub struct ApnsDelivery {
    pub device_token: String,
    /// Request headers, names lower-case.
    pub headers: BTreeMap<String, String>,
    pub payload: Value,
    /// The provider token the request carried.
    pub jwt: String,
    pub apns_id: String,
}

/// Any request that reached `/3/device/…`, with the answer it got.
#[derive(Debug, Clone)]
pub struct ApnsRequest {
    pub device_token: String,
    pub status: u16,
    pub reason: Option<String>,
    pub jwt: Option<String>,
}

/// The account the stand-in serves: the key it trusts and the app it delivers to.
struct Account {
    key_id: String,
    team_id: String,
    bundle_id: String,
    public_key: DecodingKey,
}

#[derive(Default)]
struct State {
    bad: HashSet<String>,
    unregistered: HashMap<String, i64>,
    scripts: Scripts,
    delivered: Vec<ApnsDelivery>,
    requests: Vec<ApnsRequest>,
}

pub struct ApnsStandIn {
    server: Server,
    ca_pem: String,
    key: ApnsKey,
    key_id: String,
    team_id: String,
    bundle_id: String,
    state: Arc<Mutex<State>>,
}

impl ApnsStandIn {
    /// Starts a stand-in trusting a freshly generated key `key_id` of team `team_id`, for the
    /// app `bundle_id`.
    pub async fn start(key_id: &str, team_id: &str, bundle_id: &str) -> Self {
        let key = ApnsKey::generate();
        let account = Arc::new(Account {
            key_id: key_id.to_owned(),
            team_id: team_id.to_owned(),
            bundle_id: bundle_id.to_owned(),
            public_key: DecodingKey::from_ec_pem(key.public_pem.as_bytes()).expect("public key"),
        });
        let state = Arc::new(Mutex::new(State::default()));
        let (tls, ca_pem) = tls_h2();
        let handler_state = state.clone();
        let server = serve(
            Some(tls),
            Arc::new(move |req| handle(&account, &handler_state, req)),
        )
        .await;
        Self {
            server,
            ca_pem,
            key,
            key_id: key_id.to_owned(),
            team_id: team_id.to_owned(),
            bundle_id: bundle_id.to_owned(),
            state,
        }
    }

    /// The base URL to give the client, `https://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("https://{}", self.server.addr)
    }

    /// The PEM of the CA that issued the stand-in's certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Credentials the stand-in accepts (sandbox, as a development build would use).
    pub fn credentials(&self) -> ApnsCredentials {
        ApnsCredentials {
            key_p8: self.key.key_p8.clone(),
            key_id: self.key_id.clone(),
            team_id: self.team_id.clone(),
            bundle_id: self.bundle_id.clone(),
            sandbox: true,
        }
    }

    /// From now on `token` is answered 410 Unregistered, as for an uninstalled app.
    pub fn mark_unregistered(&self, token: &str) {
        let mut state = self.state.lock().expect("state");
        state.unregistered.insert(token.to_owned(), now() * 1000);
    }

    /// From now on `token` is answered 400 BadDeviceToken.
    pub fn mark_bad(&self, token: &str) {
        let mut state = self.state.lock().expect("state");
        state.bad.insert(token.to_owned());
    }

    /// Answers the next requests for `token` (once they pass authentication and validation)
    /// with `replies`, in order; then back to normal.
    pub fn script(&self, token: &str, replies: impl IntoIterator<Item = Reply>) {
        self.state
            .lock()
            .expect("state")
            .scripts
            .push(token, replies);
    }

    pub fn delivered(&self) -> Vec<ApnsDelivery> {
        self.state.lock().expect("state").delivered.clone()
    }

    pub fn requests(&self) -> Vec<ApnsRequest> {
        self.state.lock().expect("state").requests.clone()
    }
}

/// An error answer: Apple's JSON body with a `reason`, and an `apns-id`.
fn reject(status: u16, reason: &str, retry_after: Option<u64>) -> Resp {
    let mut body = json!({ "reason": reason });
    if status == 410 {
        body["timestamp"] = json!(now() * 1000);
    }
    let mut resp = json(status, &body);
    let headers = resp.headers_mut();
    headers.insert("apns-id", apns_id().parse().expect("header"));
    if let Some(seconds) = retry_after {
        headers.insert("retry-after", seconds.into());
    }
    resp
}

fn apns_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string().to_uppercase()
}

fn handle(account: &Account, state: &Mutex<State>, req: Req) -> Resp {
    let path = req.uri().path().to_owned();
    let Some(device_token) = path.strip_prefix("/3/device/") else {
        return reject(404, "BadPath", None);
    };
    if req.method() != hyper::Method::POST {
        return reject(405, "MethodNotAllowed", None);
    }
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let jwt = headers
        .get("authorization")
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, jwt)| jwt.trim().to_owned());

    let verdict = check(account, &headers, jwt.as_deref(), req.body(), device_token);
    let mut state = state.lock().expect("state");
    let verdict = verdict.and_then(|payload| {
        if let Some(reply) = state.scripts.next(device_token) {
            let reason = reply
                .reason
                .clone()
                .unwrap_or_else(|| usual_reason(reply.status));
            return Err((reply.status, reason, reply.retry_after));
        }
        if state.bad.contains(device_token) {
            return Err((400, "BadDeviceToken".into(), None));
        }
        if state.unregistered.contains_key(device_token) {
            return Err((410, "Unregistered".into(), None));
        }
        Ok(payload)
    });
    let (status, reason) = match &verdict {
        Ok(_) => (200, None),
        Err((status, reason, _)) => (*status, Some(reason.clone())),
    };
    state.requests.push(ApnsRequest {
        device_token: device_token.to_owned(),
        status,
        reason,
        jwt: jwt.clone(),
    });
    match verdict {
        Ok(payload) => {
            let apns_id = headers.get("apns-id").cloned().unwrap_or_else(apns_id);
            state.delivered.push(ApnsDelivery {
                device_token: device_token.to_owned(),
                headers,
                payload,
                jwt: jwt.unwrap_or_default(),
                apns_id: apns_id.clone(),
            });
            let mut resp = super::text(200, "");
            resp.headers_mut()
                .insert("apns-id", apns_id.parse().expect("header"));
            resp
        }
        Err((status, reason, retry_after)) => reject(status, &reason, retry_after),
    }
}

type Rejection = (u16, String, Option<u64>);

/// Apple's checks, in the order it reports them; the parsed payload when all pass.
fn check(
    account: &Account,
    headers: &BTreeMap<String, String>,
    jwt: Option<&str>,
    body: &[u8],
    device_token: &str,
) -> Result<Value, Rejection> {
    let fail = |status: u16, reason: &str| Err((status, reason.to_owned(), None));
    let Some(jwt) = jwt else {
        return fail(403, "MissingProviderToken");
    };
    if let Err(reason) = verify_provider_token(account, jwt) {
        return fail(403, reason);
    }
    match headers.get("apns-topic") {
        None => return fail(400, "MissingTopic"),
        Some(topic) if *topic != account.bundle_id => return fail(400, "TopicDisallowed"),
        Some(_) => {}
    }
    if !headers
        .get("apns-push-type")
        .is_some_and(|t| PUSH_TYPES.contains(&t.as_str()))
    {
        return fail(400, "InvalidPushType");
    }
    if let Some(priority) = headers.get("apns-priority")
        && !matches!(priority.as_str(), "1" | "5" | "10")
    {
        return fail(400, "BadPriority");
    }
    if let Some(expiration) = headers.get("apns-expiration")
        && expiration.parse::<i64>().is_err()
    {
        return fail(400, "BadExpirationDate");
    }
    if headers
        .get("apns-collapse-id")
        .is_some_and(|c| c.len() > 64)
    {
        return fail(400, "BadCollapseId");
    }
    if let Some(id) = headers.get("apns-id")
        && uuid::Uuid::try_parse(id).is_err()
    {
        return fail(400, "BadMessageId");
    }
    if body.is_empty() {
        return fail(400, "PayloadEmpty");
    }
    if body.len() > 4096 {
        return fail(413, "PayloadTooLarge");
    }
    let payload = match serde_json::from_slice::<Value>(body) {
        Ok(payload) if payload["aps"].is_object() => payload,
        // Apple documents no reason for this; the stand-in names it plainly.
        _ => return fail(400, "BadPayload"),
    };
    if device_token.len() != 64 || !device_token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return fail(400, "BadDeviceToken");
    }
    Ok(payload)
}

/// Checks the provider token as Apple does: ES256 by the account's key, `kid`, `iss`, and an
/// `iat` within the last hour.
fn verify_provider_token(account: &Account, jwt: &str) -> Result<(), &'static str> {
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| "InvalidProviderToken")?;
    if header.alg != Algorithm::ES256 || header.kid.as_deref() != Some(account.key_id.as_str()) {
        return Err("InvalidProviderToken");
    }
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(jwt, &account.public_key, &validation)
        .map_err(|_| "InvalidProviderToken")?
        .claims;
    if claims["iss"] != account.team_id.as_str() {
        return Err("InvalidProviderToken");
    }
    let iat = claims["iat"].as_i64().ok_or("InvalidProviderToken")?;
    if iat > now() + 60 {
        return Err("InvalidProviderToken");
    }
    if now() - iat > 3600 {
        return Err("ExpiredProviderToken");
    }
    Ok(())
}

fn usual_reason(status: u16) -> String {
    match status {
        400 => "BadDeviceToken",
        403 => "InvalidProviderToken",
        410 => "Unregistered",
        413 => "PayloadTooLarge",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        _ => "ServiceUnavailable",
    }
    .to_owned()
}
