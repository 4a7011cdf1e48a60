//! A stand-in OpenID Connect issuer: plain HTTP on 127.0.0.1 (the test nodes allow private
//! URLs), serving its discovery document and its key set (JWKS) under an issuer URL with a
//! path, as Keycloak's realms have. Tests sign tokens with keys made here (RSA, EC P-256,
//! Ed25519), choose which keys are published (rotation), set the key set's `Cache-Control`,
//! count its fetches, and stop the issuer (connections refused).
//!
//! Public keys are written into JWKs from the raw key material (RSA modulus and exponent, EC
//! point, Ed25519 bytes), not by the JWT library the server verifies with.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{Req, Resp, RsaKey, Server, serve, text};

/// A key the issuer signs with, and its public half as a JWK.
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
}

impl SigningKey {
    /// RS256 with the process's shared RSA key (RSA keys are slow to make in debug builds, so
    /// every RSA `kid` is the same key).
    pub fn rsa(kid: &str) -> Self {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::traits::PublicKeyParts;
        let pem = &RsaKey::shared().private_pem;
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).expect("RSA key");
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(pem.as_bytes()).expect("RSA signing key"),
            jwk: json!({
                "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                "n": B64URL.encode(key.n().to_bytes_be()),
                "e": B64URL.encode(key.e().to_bytes_be()),
            }),
        }
    }

    /// ES256 with a new P-256 key.
    pub fn ec(kid: &str) -> Self {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("P-256");
        // The uncompressed point: 0x04, x, y.
        let point = key.public_key_raw();
        assert_eq!(point.len(), 65, "an uncompressed P-256 point");
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_pem(key.serialize_pem().as_bytes())
                .expect("EC signing key"),
            jwk: json!({
                "kty": "EC", "use": "sig", "alg": "ES256", "kid": kid, "crv": "P-256",
                "x": B64URL.encode(&point[1..33]),
                "y": B64URL.encode(&point[33..]),
            }),
        }
    }

    /// EdDSA with a new Ed25519 key, published without `alg` (as some issuers do): the
    /// server must tell the algorithm from the key's type and curve.
    pub fn ed(kid: &str) -> Self {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("Ed25519");
        Self {
            kid: kid.to_owned(),
            alg: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_pem(key.serialize_pem().as_bytes())
                .expect("Ed25519 signing key"),
            jwk: json!({
                "kty": "OKP", "crv": "Ed25519", "kid": kid,
                "x": B64URL.encode(key.public_key_raw()),
            }),
        }
    }

    /// The public key as published.
    pub fn jwk(&self) -> Value {
        self.jwk.clone()
    }

    /// A token with these claims, its header naming this key's `kid` and algorithm.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("sign")
    }

    /// A token whose header names no `kid`.
    pub fn sign_without_kid(&self, claims: &Value) -> String {
        jsonwebtoken::encode(&Header::new(self.alg), claims, &self.encoding).expect("sign")
    }
}

struct State {
    issuer: String,
    /// The issuer the discovery document names, when not the real one.
    claimed_issuer: Option<String>,
    keys: Vec<Value>,
    cache_control: Option<String>,
    jwks_fetches: usize,
}

/// A running issuer; it stops when dropped.
pub struct OidcStandIn {
    issuer: String,
    server: Mutex<Option<Server>>,
    state: Arc<Mutex<State>>,
}

const REALM: &str = "/realms/acme";

impl OidcStandIn {
    /// Starts an issuer publishing `keys`.
    pub async fn start(keys: &[&SigningKey]) -> Self {
        let state = Arc::new(Mutex::new(State {
            issuer: String::new(),
            claimed_issuer: None,
            keys: keys.iter().map(|k| k.jwk()).collect(),
            cache_control: None,
            jwks_fetches: 0,
        }));
        let handler_state = Arc::clone(&state);
        let server = serve(None, Arc::new(move |req| handle(&handler_state, &req))).await;
        let issuer = format!("http://{}{REALM}", server.addr);
        state.lock().expect("state").issuer = issuer.clone();
        Self {
            issuer,
            server: Mutex::new(Some(server)),
            state,
        }
    }

    /// The issuer URL, as tokens carry it in `iss`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Publishes exactly these keys from now on.
    pub fn publish(&self, keys: &[&SigningKey]) {
        self.state.lock().expect("state").keys = keys.iter().map(|k| k.jwk()).collect();
    }

    /// Publishes raw JWKs (odd or unusable keys).
    pub fn publish_raw(&self, keys: Vec<Value>) {
        self.state.lock().expect("state").keys = keys;
    }

    /// Makes the discovery document name another issuer (as an impostor's would).
    pub fn claim_issuer(&self, issuer: &str) {
        self.state.lock().expect("state").claimed_issuer = Some(issuer.to_owned());
    }

    /// The `Cache-Control` of the key set from now on (none by default).
    pub fn set_cache_control(&self, value: Option<&str>) {
        self.state.lock().expect("state").cache_control = value.map(str::to_owned);
    }

    /// How many times the key set has been fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.state.lock().expect("state").jwks_fetches
    }

    /// Stops listening: connections are refused from now on.
    pub fn stop(&self) {
        self.server.lock().expect("server").take();
    }
}

fn handle(state: &Mutex<State>, req: &Req) -> Resp {
    let mut state = state.lock().expect("state");
    let path = req.uri().path().to_owned();
    let json = |body: Value, cache_control: Option<&str>| {
        let mut res = Response::builder()
            .status(200)
            .header("content-type", "application/json");
        if let Some(cc) = cache_control {
            res = res.header("cache-control", cc);
        }
        res.body(Full::new(Bytes::from(body.to_string())))
            .expect("response")
    };
    if req.method() != hyper::Method::GET {
        return text(405, "GET only");
    }
    match path.strip_prefix(REALM) {
        Some("/.well-known/openid-configuration") => json(
            json!({
                "issuer": state.claimed_issuer.as_ref().unwrap_or(&state.issuer),
                "jwks_uri": format!("{}/protocol/openid-connect/certs", state.issuer),
                "authorization_endpoint": format!("{}/protocol/openid-connect/auth", state.issuer),
                "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
            }),
            None,
        ),
        Some("/protocol/openid-connect/certs") => {
            state.jwks_fetches += 1;
            json(
                json!({ "keys": state.keys }),
                state.cache_control.as_deref(),
            )
        }
        _ => text(404, "not found"),
    }
}
