//! A stand-in for Google's OAuth token endpoint and the FCM HTTP v1 API, on one plain HTTP
//! server.
//!
//! `POST /token` takes the RFC 7523 JWT-bearer grant, verifies the RS256 assertion against the
//! service account's public key (issuer, audience = token_uri, scope, lifetime) and issues
//! access tokens. `POST /v1/projects/{project}/messages:send` requires one of those tokens,
//! checks the message as FCM does and answers with Google's JSON, errors included.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, DecodingKey};
use parley_worker::push::FcmCredentials;
use serde_json::{Value, json};

use super::{Reply, Req, Resp, RsaKey, Scripts, Server, json, now, serve};

const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const FCM_ERROR: &str = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
const MESSAGE_FIELDS: &[&str] = &[
    "name",
    "token",
    "topic",
    "condition",
    "data",
    "notification",
    "android",
    "webpush",
    "apns",
    "fcm_options",
];

/// A message FCM accepted.
#[derive(Debug, Clone)]
pub struct FcmDelivery {
    pub device_token: String,
    /// The `message` object as sent.
    pub message: Value,
    /// The access token the request carried.
    pub access_token: String,
    /// The name FCM answered with.
    pub name: String,
}

/// Any request to `messages:send`, with the answer it got.
#[derive(Debug, Clone)]
pub struct FcmRequest {
    pub device_token: Option<String>,
    pub status: u16,
    pub access_token: Option<String>,
}

struct Account {
    project_id: String,
    client_email: String,
    token_uri: String,
    public_key: DecodingKey,
}

struct State {
    /// Access tokens issued and still honoured, with their expiry (unix seconds).
    access_tokens: HashMap<String, i64>,
    tokens_issued: usize,
    token_lifetime: i64,
    unregistered: HashSet<String>,
    invalid: HashSet<String>,
    scripts: Scripts,
    delivered: Vec<FcmDelivery>,
    requests: Vec<FcmRequest>,
}

pub struct FcmStandIn {
    server: Server,
    project_id: String,
    client_email: String,
    key: &'static RsaKey,
    state: Arc<Mutex<State>>,
}

impl FcmStandIn {
    /// Starts a stand-in for project `project_id` whose service account holds the process's
    /// shared test RSA key.
    pub async fn start(project_id: &str) -> Self {
        let key = tokio::task::spawn_blocking(RsaKey::shared)
            .await
            .expect("RSA key");
        let client_email = format!("parley-push@{project_id}.iam.gserviceaccount.com");
        let state = Arc::new(Mutex::new(State {
            access_tokens: HashMap::new(),
            tokens_issued: 0,
            token_lifetime: 3599,
            unregistered: HashSet::new(),
            invalid: HashSet::new(),
            scripts: Scripts::default(),
            delivered: Vec::new(),
            requests: Vec::new(),
        }));
        // The token_uri names the server's own address, known once it listens.
        let account: Arc<Mutex<Option<Arc<Account>>>> = Arc::new(Mutex::new(None));
        let (handler_account, handler_state) = (account.clone(), state.clone());
        let server = serve(
            None,
            Arc::new(move |req| {
                let account = handler_account.lock().expect("account").clone();
                match account {
                    Some(account) => handle(&account, &handler_state, req),
                    None => super::text(503, "starting"),
                }
            }),
        )
        .await;
        *account.lock().expect("account") = Some(Arc::new(Account {
            project_id: project_id.to_owned(),
            client_email: client_email.clone(),
            token_uri: format!("http://{}/token", server.addr),
            public_key: DecodingKey::from_rsa_pem(key.public_pem.as_bytes()).expect("public key"),
        }));
        Self {
            server,
            project_id: project_id.to_owned(),
            client_email,
            key,
            state,
        }
    }

    /// The base URL of the v1 API, `http://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    pub fn token_uri(&self) -> String {
        format!("{}/token", self.url())
    }

    /// A service-account JSON key as the Firebase console gives, pointing at this stand-in.
    pub fn service_account_json(&self) -> String {
        json!({
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": "0123456789abcdef0123456789abcdef01234567",
            "private_key": self.key.private_pem,
            "client_email": self.client_email,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri(),
        })
        .to_string()
    }

    pub fn credentials(&self) -> FcmCredentials {
        FcmCredentials::parse(&self.service_account_json()).expect("service account")
    }

    /// How many access tokens the token endpoint has issued.
    pub fn tokens_issued(&self) -> usize {
        self.state.lock().expect("state").tokens_issued
    }

    /// The `expires_in` of tokens issued from now on (Google's is 3599).
    pub fn set_token_lifetime(&self, seconds: i64) {
        self.state.lock().expect("state").token_lifetime = seconds;
    }

    /// Stops honouring every access token issued so far (answers 401 UNAUTHENTICATED).
    pub fn revoke_access_tokens(&self) {
        self.state.lock().expect("state").access_tokens.clear();
    }

    /// From now on `token` is answered 404 NOT_FOUND / UNREGISTERED.
    pub fn mark_unregistered(&self, token: &str) {
        let mut state = self.state.lock().expect("state");
        state.unregistered.insert(token.to_owned());
    }

    /// From now on `token` is answered 400 INVALID_ARGUMENT, as a malformed token is.
    pub fn mark_invalid(&self, token: &str) {
        let mut state = self.state.lock().expect("state");
        state.invalid.insert(token.to_owned());
    }

    /// Answers the next valid requests for `token` with `replies`, in order.
    pub fn script(&self, token: &str, replies: impl IntoIterator<Item = Reply>) {
        self.state
            .lock()
            .expect("state")
            .scripts
            .push(token, replies);
    }

    pub fn delivered(&self) -> Vec<FcmDelivery> {
        self.state.lock().expect("state").delivered.clone()
    }

    pub fn requests(&self) -> Vec<FcmRequest> {
        self.state.lock().expect("state").requests.clone()
    }
}

fn handle(account: &Account, state: &Mutex<State>, req: Req) -> Resp {
    if req.method() != hyper::Method::POST {
        return google_error(405, "METHOD_NOT_ALLOWED", "Only POST is served here.", None);
    }
    let path = req.uri().path().to_owned();
    if path == "/token" {
        return token(account, state, &req);
    }
    match path
        .strip_prefix("/v1/projects/")
        .and_then(|p| p.strip_suffix("/messages:send"))
    {
        Some(project) => send(account, state, project, &req),
        None => google_error(404, "NOT_FOUND", "Unknown path.", None),
    }
}

fn oauth_error(error: &str, description: &str) -> Resp {
    json(
        400,
        &json!({ "error": error, "error_description": description }),
    )
}

/// The token endpoint: grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT.
fn token(account: &Account, state: &Mutex<State>, req: &Req) -> Resp {
    let form_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !form_type.starts_with("application/x-www-form-urlencoded") {
        return oauth_error("invalid_request", "Expected a form-encoded body.");
    }
    let form: HashMap<String, String> = form_urlencoded::parse(req.body()).into_owned().collect();
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return oauth_error("unsupported_grant_type", "Invalid grant_type.");
    }
    let Some(assertion) = form.get("assertion") else {
        return oauth_error("invalid_request", "Missing required parameter: assertion");
    };
    if let Err(description) = verify_assertion(account, assertion) {
        return oauth_error("invalid_grant", description);
    }
    let mut state = state.lock().expect("state");
    state.tokens_issued += 1;
    let access_token = format!(
        "ya29.standin-{}-{}",
        state.tokens_issued,
        uuid::Uuid::new_v4().simple()
    );
    let lifetime = state.token_lifetime;
    state
        .access_tokens
        .insert(access_token.clone(), now() + lifetime);
    json(
        200,
        &json!({ "access_token": access_token, "expires_in": lifetime, "token_type": "Bearer" }),
    )
}

/// The checks Google makes of a service-account assertion. Its parts may carry base64 padding
/// (`gcp_auth` pads them and Google accepts that), so it is taken apart here rather than by
/// `jsonwebtoken::decode`, which refuses padding.
fn verify_assertion(account: &Account, assertion: &str) -> Result<(), &'static str> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const B64: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let part = |s: &str| -> Option<Value> { serde_json::from_slice(&B64.decode(s).ok()?).ok() };

    let Some((signed, signature)) = assertion.rsplit_once('.') else {
        return Err("Invalid JWT.");
    };
    let Some((header, claims)) = signed.split_once('.') else {
        return Err("Invalid JWT.");
    };
    let (Some(header), Some(claims)) = (part(header), part(claims)) else {
        return Err("Invalid JWT.");
    };
    if header["alg"] != "RS256" {
        return Err("Invalid JWT: algorithm must be RS256.");
    }
    let verified = jsonwebtoken::crypto::verify(
        signature.trim_end_matches('='),
        signed.as_bytes(),
        &account.public_key,
        Algorithm::RS256,
    );
    if !matches!(verified, Ok(true)) {
        return Err("Invalid JWT Signature.");
    }
    if claims["iss"] != account.client_email.as_str() {
        return Err("Invalid JWT: iss is not the service account.");
    }
    if claims["aud"] != account.token_uri.as_str() {
        return Err("Invalid JWT: aud must be the token URI.");
    }
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return Err("Invalid JWT: iat and exp must be numbers.");
    };
    if exp > iat + 3600 || iat > now() + 60 || exp < now() {
        return Err(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
        );
    }
    let scopes = claims["scope"].as_str().unwrap_or("");
    if !scopes.split(' ').any(|s| s == SCOPE) {
        return Err("Invalid JWT: the firebase.messaging scope is missing.");
    }
    Ok(())
}

/// `messages:send`.
fn send(account: &Account, state: &Mutex<State>, project: &str, req: &Req) -> Resp {
    let access_token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let body: Value = serde_json::from_slice(req.body()).unwrap_or(Value::Null);
    let device_token = body["message"]["token"].as_str().map(str::to_owned);

    let mut state = state.lock().expect("state");
    let honoured = access_token
        .as_ref()
        .and_then(|t| state.access_tokens.get(t))
        .is_some_and(|expires| *expires > now());
    let verdict: Result<Value, Resp> = 'verdict: {
        if !honoured {
            break 'verdict Err(google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, \
                 login cookie or other valid authentication credential.",
                Some("THIRD_PARTY_AUTH_ERROR"),
            ));
        }
        if project != account.project_id {
            break 'verdict Err(google_error(
                403,
                "PERMISSION_DENIED",
                "Permission 'cloudmessaging.messages.create' denied on resource (or it may not exist).",
                Some("SENDER_ID_MISMATCH"),
            ));
        }
        let message = match check_message(&body) {
            Ok(message) => message,
            Err(problem) => break 'verdict Err(invalid_argument(&problem)),
        };
        let token = device_token.clone().unwrap_or_default();
        if let Some(reply) = state.scripts.next(&token) {
            break 'verdict Err(scripted(&reply));
        }
        if state.unregistered.contains(&token) {
            break 'verdict Err(google_error(
                404,
                "NOT_FOUND",
                "Requested entity was not found.",
                Some("UNREGISTERED"),
            ));
        }
        if state.invalid.contains(&token) || !well_formed(&token) {
            break 'verdict Err(invalid_token());
        }
        Ok(message)
    };
    let status = verdict
        .as_ref()
        .map_or_else(|r| r.status().as_u16(), |_| 200);
    state.requests.push(FcmRequest {
        device_token: device_token.clone(),
        status,
        access_token: access_token.clone(),
    });
    match verdict {
        Ok(message) => {
            let name = format!(
                "projects/{}/messages/0:{}%{}",
                account.project_id,
                state.delivered.len() + 1,
                uuid::Uuid::new_v4().simple()
            );
            state.delivered.push(FcmDelivery {
                device_token: device_token.unwrap_or_default(),
                message,
                access_token: access_token.unwrap_or_default(),
                name: name.clone(),
            });
            json(200, &json!({ "name": name }))
        }
        Err(resp) => resp,
    }
}

/// Real registration tokens are long strings of URL-safe characters and colons.
fn well_formed(token: &str) -> bool {
    token.len() >= 32
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':'))
}

fn invalid_argument(message: &str) -> Resp {
    google_error(400, "INVALID_ARGUMENT", message, Some("INVALID_ARGUMENT"))
}

fn invalid_token() -> Resp {
    let mut body = error_body(
        400,
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
        Some("INVALID_ARGUMENT"),
    );
    body["error"]["details"]
        .as_array_mut()
        .expect("details")
        .push(json!({
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{
                "field": "message.token",
                "description": "The registration token is not a valid FCM registration token"
            }]
        }));
    json(400, &body)
}

/// Validates the `message` as FCM does; returns it when it may be sent, or the
/// INVALID_ARGUMENT message saying why not.
fn check_message(body: &Value) -> Result<Value, String> {
    let Some(message) = body.get("message").and_then(Value::as_object) else {
        return Err("Invalid JSON payload received. Expected a \"message\" object.".to_owned());
    };
    if let Some(unknown) = message
        .keys()
        .find(|k| !MESSAGE_FIELDS.contains(&k.as_str()))
    {
        return Err(format!(
            "Invalid JSON payload received. Unknown name \"{unknown}\" at 'message': Cannot find field."
        ));
    }
    let targets = ["token", "topic", "condition"]
        .iter()
        .filter(|t| message.contains_key(**t))
        .count();
    if targets != 1 || !message.get("token").is_none_or(Value::is_string) {
        return Err("Exactly one of token, topic or condition must be specified.".to_owned());
    }
    if let Some(data) = message.get("data") {
        let Some(data) = data.as_object() else {
            return Err("Invalid value at 'message.data'.".to_owned());
        };
        for (key, value) in data {
            if !value.is_string() {
                return Err(format!(
                    "Invalid value at 'message.data[{key}].value' (TYPE_STRING)"
                ));
            }
            let reserved = ["from", "notification", "message_type"].contains(&key.as_str())
                || key.starts_with("google")
                || key.starts_with("gcm");
            if reserved {
                return Err(format!("Invalid data payload key: {key}"));
            }
        }
        let size: usize = data
            .iter()
            .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
            .sum();
        if size > 4096 {
            return Err("Android message is too big".to_owned());
        }
    }
    if let Some(notification) = message.get("notification") {
        let fields_ok = notification.as_object().is_some_and(|n| {
            n.iter()
                .all(|(k, v)| matches!(k.as_str(), "title" | "body" | "image") && v.is_string())
        });
        if !fields_ok {
            return Err("Invalid value at 'message.notification'.".to_owned());
        }
    }
    if let Some(android) = message.get("android") {
        let priority_ok = android.get("priority").is_none_or(|p| {
            p.as_str()
                .is_some_and(|p| matches!(p.to_ascii_uppercase().as_str(), "NORMAL" | "HIGH"))
        });
        let ttl_ok = android.get("ttl").is_none_or(|t| {
            t.as_str().is_some_and(|t| {
                t.strip_suffix('s')
                    .is_some_and(|n| n.parse::<f64>().is_ok_and(|n| n >= 0.0))
            })
        });
        let collapse_ok = android.get("collapse_key").is_none_or(Value::is_string);
        if !android.is_object() || !priority_ok || !ttl_ok || !collapse_ok {
            return Err("Invalid value at 'message.android'.".to_owned());
        }
    }
    if let Some(apns) = message.get("apns") {
        let headers_ok = apns.get("headers").is_none_or(|h| {
            h.as_object()
                .is_some_and(|h| h.values().all(Value::is_string))
        });
        let payload_ok = apns
            .get("payload")
            .is_none_or(|p| p.get("aps").is_none_or(Value::is_object));
        if !headers_ok || !payload_ok {
            return Err("Invalid value at 'message.apns'.".to_owned());
        }
    }
    Ok(Value::Object(message.clone()))
}

fn scripted(reply: &Reply) -> Resp {
    let (status, code) = match reply.status {
        400 => ("INVALID_ARGUMENT", "INVALID_ARGUMENT"),
        401 => ("UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"),
        403 => ("PERMISSION_DENIED", "SENDER_ID_MISMATCH"),
        404 => ("NOT_FOUND", "UNREGISTERED"),
        429 => ("RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
        500 => ("INTERNAL", "INTERNAL"),
        _ => ("UNAVAILABLE", "UNAVAILABLE"),
    };
    let code = reply.reason.as_deref().unwrap_or(code);
    let mut resp = google_error(reply.status, status, "Scripted by the test.", Some(code));
    if let Some(seconds) = reply.retry_after {
        resp.headers_mut().insert("retry-after", seconds.into());
    }
    resp
}

fn error_body(code: u16, status: &str, message: &str, fcm_code: Option<&str>) -> Value {
    let details: Vec<Value> = fcm_code
        .map(|c| json!({ "@type": FCM_ERROR, "errorCode": c }))
        .into_iter()
        .collect();
    json!({ "error": { "code": code, "message": message, "status": status, "details": details } })
}

/// Google's error JSON: `{"error": {"code", "message", "status", "details": [FcmError]}}`.
fn google_error(code: u16, status: &str, message: &str, fcm_code: Option<&str>) -> Resp {
    json(code, &error_body(code, status, message, fcm_code))
}
