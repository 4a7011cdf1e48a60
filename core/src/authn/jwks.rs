//! The signing keys of the OIDC issuers tenants trust. An issuer's keys are found through its
//! `/.well-known/openid-configuration` and fetched from the `jwks_uri` it names, with the
//! outbound client (the address rules of webhooks), then kept per issuer for as long as the
//! key set's `Cache-Control: max-age` says (1 min to 24 h; 1 h without one). A token naming a
//! `kid` not in the set asks the issuer again, at most once a minute per issuer; while the
//! issuer cannot be reached the keys already fetched keep working.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::header::{ACCEPT, CACHE_CONTROL, HeaderMap};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::kernel::outbound::Outbound;
use crate::{Error, ErrorCode, Parley, Result};

/// Bounds on how long a fetched key set is used before the issuer is asked again: an issuer
/// saying `no-cache` is still asked at most once a minute, and keys removed from a set stop
/// working within a day whatever it said.
const MIN_MAX_AGE: Duration = Duration::from_secs(60);
const MAX_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// How long a key set without `Cache-Control: max-age` is used.
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(3600);
/// The least time between two fetches of one issuer's keys, whatever tokens ask for: a flood
/// of tokens naming made-up `kid`s costs the issuer one request a minute.
const REFETCH_EVERY: Duration = Duration::from_secs(60);
/// Time limit of one fetch (discovery and key set together); requests needing the keys wait
/// for it.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest discovery document or key set read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Keys read from one set; real issuers publish a handful.
const MAX_KEYS: usize = 50;
/// Issuers remembered per node before idle, stale ones are forgotten.
const MAX_ISSUERS: usize = 10_000;

/// One key of an issuer, with the one algorithm it verifies.
#[derive(Clone)]
pub(crate) struct IssuerKey {
    pub kid: Option<String>,
    pub alg: Algorithm,
    pub key: DecodingKey,
}

/// The key sets of the issuers this node has verified tokens of, shared by its requests (it
/// lives in the [`Parley`] context, so apps in one process do not share it). Issuers are
/// keyed by URL: their keys are public, so tenants trusting the same issuer share them.
#[derive(Default)]
pub struct IssuerKeys {
    issuers: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Cached>>>>,
}

/// What is known of one issuer. Behind an async lock, so that the requests arriving while its
/// keys are fetched wait for that one fetch instead of starting their own.
#[derive(Default)]
struct Cached {
    keys: Vec<IssuerKey>,
    /// Until when `keys` are used without asking the issuer.
    fresh_until: Option<DateTime<Utc>>,
    /// When the issuer was last asked, whatever the outcome.
    asked_at: Option<DateTime<Utc>>,
    /// Why the last fetch failed; cleared by one that succeeds.
    failure: Option<String>,
}

impl Cached {
    fn has(&self, kid: Option<&str>) -> bool {
        match kid {
            Some(kid) => self.keys.iter().any(|k| k.kid.as_deref() == Some(kid)),
            None => !self.keys.is_empty(),
        }
    }

    fn wants_fetch(&self, now: DateTime<Utc>, kid: Option<&str>) -> bool {
        self.fresh_until.is_none_or(|until| now >= until) || !self.has(kid)
    }

    /// Seconds until the issuer may be asked again (0: now).
    fn next_fetch_in(&self, now: DateTime<Utc>) -> u64 {
        let Some(asked) = self.asked_at else {
            return 0;
        };
        let since = now.signed_duration_since(asked);
        // A clock set back must not hold fetches off for as long as it moved.
        if since < chrono::Duration::zero() {
            return 0;
        }
        let left = REFETCH_EVERY.saturating_sub(since.to_std().unwrap_or_default());
        left.as_secs() + u64::from(left.subsec_nanos() > 0)
    }
}

impl IssuerKeys {
    /// The keys of `issuer` a token naming `kid` may be verified with (with no `kid`, all of
    /// them), fetching the issuer's key set first when it is stale or lacks `kid` and the
    /// issuer was not asked in the last minute. Answers 401 `issuer_unavailable` when no key
    /// is known because the issuer cannot be reached, 401 `invalid_token` when the issuer
    /// answered and has no such key.
    pub(crate) async fn keys(
        &self,
        ctx: &Parley,
        issuer: &str,
        kid: Option<&str>,
    ) -> Result<Vec<IssuerKey>> {
        let entry = self.entry(issuer, ctx.now());
        let mut cached = entry.lock().await;
        let now = ctx.now();
        if cached.wants_fetch(now, kid) && cached.next_fetch_in(now) == 0 {
            cached.asked_at = Some(now);
            match fetch(&ctx.outbound, issuer).await {
                Ok(set) => {
                    cached.keys = set.keys;
                    cached.fresh_until = Some(now + set.max_age);
                    cached.failure = None;
                }
                Err(why) => {
                    tracing::warn!(issuer, %why, "could not fetch the keys of an OIDC issuer");
                    cached.failure = Some(why);
                }
            }
        }
        let found: Vec<IssuerKey> = cached
            .keys
            .iter()
            .filter(|k| kid.is_none_or(|kid| k.kid.as_deref() == Some(kid)))
            .cloned()
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
        let retry = cached.next_fetch_in(now).max(1);
        Err(match (&cached.failure, kid) {
            (Some(why), _) => Error::new(
                ErrorCode::IssuerUnavailable,
                format!(
                    "the keys of the issuer `{issuer}` cannot be fetched ({why}); \
                     they are fetched again in {retry}s"
                ),
            )
            .with_retry_after(retry),
            (None, Some(kid)) => Error::new(
                ErrorCode::InvalidToken,
                format!(
                    "the issuer `{issuer}` publishes no key `{kid}` (its keys are fetched \
                     again for an unknown `kid` at most once a minute)"
                ),
            ),
            (None, None) => Error::new(
                ErrorCode::InvalidToken,
                format!(
                    "the issuer `{issuer}` publishes no key Parley can verify with \
                     (RSA, EC P-256 or P-384, Ed25519)"
                ),
            ),
        })
    }

    fn entry(&self, issuer: &str, now: DateTime<Utc>) -> Arc<tokio::sync::Mutex<Cached>> {
        let mut issuers = self
            .issuers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(entry) = issuers.get(issuer) {
            return Arc::clone(entry);
        }
        if issuers.len() >= MAX_ISSUERS {
            // Keep the issuers in use and those whose keys are still fresh.
            issuers.retain(|_, entry| {
                entry
                    .try_lock()
                    .map_or(true, |c| c.fresh_until.is_some_and(|until| until > now))
            });
        }
        Arc::clone(issuers.entry(issuer.to_owned()).or_default())
    }
}

/// An issuer's usable keys and how long to use them.
struct KeySet {
    keys: Vec<IssuerKey>,
    max_age: Duration,
}

/// The two fields of a discovery document Parley reads.
#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

/// A key set, with each key kept as JSON until it is read: one key of an unknown kind must not
/// spoil the others.
#[derive(Deserialize)]
struct RawKeySet {
    keys: Vec<serde_json::Value>,
}

/// Discovers the issuer's key set and fetches it. The error says what went wrong in words a
/// tenant can act on (it reaches the 401 detail and the log).
async fn fetch(outbound: &Outbound, issuer: &str) -> std::result::Result<KeySet, String> {
    let work = async {
        let base = allowed_url(outbound, "issuer", issuer)?;
        let discovery = format!(
            "{}/.well-known/openid-configuration",
            base.as_str().trim_end_matches('/')
        );
        let (doc, _) = get_json::<Discovery>(outbound, &discovery).await?;
        if doc.issuer != issuer {
            return Err(format!(
                "{discovery} names the issuer `{}`, not `{issuer}`",
                doc.issuer
            ));
        }
        let jwks_uri = allowed_url(outbound, "jwks_uri", &doc.jwks_uri)?;
        let (set, max_age) = get_json::<RawKeySet>(outbound, jwks_uri.as_str()).await?;
        Ok(KeySet {
            keys: set
                .keys
                .into_iter()
                .take(MAX_KEYS)
                .filter_map(usable_key)
                .collect(),
            max_age,
        })
    };
    tokio::time::timeout(FETCH_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {}s", FETCH_TIMEOUT.as_secs())))
}

/// An issuer's or key set's URL, under the rules of tenants' URLs, https only.
fn allowed_url(
    outbound: &Outbound,
    field: &str,
    raw: &str,
) -> std::result::Result<url::Url, String> {
    let url = outbound.check_syntax_of(field, raw).map_err(|e| e.detail)?;
    outbound.require_https(field, &url).map_err(|e| e.detail)?;
    Ok(url)
}

/// GETs a JSON document of at most [`MAX_DOCUMENT_BYTES`], with how long it may be cached.
async fn get_json<T: DeserializeOwned>(
    outbound: &Outbound,
    url: &str,
) -> std::result::Result<(T, Duration), String> {
    let mut res = outbound
        .client
        .get(url)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("{url} cannot be reached: {}", root_cause(&e)))?;
    if !res.status().is_success() {
        return Err(format!("{url} answered HTTP {}", res.status().as_u16()));
    }
    let max_age = max_age(res.headers());
    let too_large = || format!("{url} answered more than {MAX_DOCUMENT_BYTES} bytes");
    if res
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| format!("{url} broke off its answer: {}", root_cause(&e)))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(too_large());
        }
    }
    let doc = serde_json::from_slice(&body)
        .map_err(|e| format!("{url} did not answer with the expected JSON: {e}"))?;
    Ok((doc, max_age))
}

/// The innermost cause of an error: what reqwest wraps ("connection refused", the resolver's
/// refusal of a private address).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// How long a key set may be used, from its `Cache-Control`, within the bounds above.
fn max_age(headers: &HeaderMap) -> Duration {
    let mut age = None;
    for directive in headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let directive = directive.trim().to_ascii_lowercase();
        if directive == "no-cache" || directive == "no-store" {
            age = Some(Duration::ZERO);
            break;
        }
        if let Some(secs) = directive.strip_prefix("max-age=") {
            age = secs
                .trim_matches('"')
                .parse()
                .ok()
                .map(Duration::from_secs)
                .or(age);
        }
    }
    age.unwrap_or(DEFAULT_MAX_AGE)
        .clamp(MIN_MAX_AGE, MAX_MAX_AGE)
}

/// A key Parley can verify signatures with: a signing key (no `use`, or `sig`) of a public
/// key type, with its algorithm settled.
fn usable_key(raw: serde_json::Value) -> Option<IssuerKey> {
    let jwk: Jwk = serde_json::from_value(raw).ok()?;
    if !matches!(
        jwk.common.public_key_use,
        None | Some(PublicKeyUse::Signature)
    ) {
        return None;
    }
    Some(IssuerKey {
        alg: key_algorithm(&jwk)?,
        key: DecodingKey::from_jwk(&jwk).ok()?,
        kid: jwk.common.key_id,
    })
}

/// The one algorithm a key verifies, read from its type and curve (and its `alg`, when it
/// names one the type allows) — never from a token. Symmetric keys (`oct`) are never used:
/// an issuer's key set is public, and anything verifying HMAC with a public key would accept
/// tokens signed by anyone.
fn key_algorithm(jwk: &Jwk) -> Option<Algorithm> {
    use Algorithm::*;
    let (allowed, default): (&[Algorithm], Algorithm) = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => (&[RS256, RS384, RS512, PS256, PS384, PS512], RS256),
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => (&[ES256], ES256),
            EllipticCurve::P384 => (&[ES384], ES384),
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(p) => match p.curve {
            EllipticCurve::Ed25519 => (&[EdDSA], EdDSA),
            _ => return None,
        },
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(default),
        Some(named) => Algorithm::try_from(named)
            .ok()
            .filter(|alg| allowed.contains(alg)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers(cache_control: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in cache_control {
            h.append(CACHE_CONTROL, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn cache_control_sets_the_age_within_bounds() {
        let secs = |cc: &[&str]| max_age(&headers(cc)).as_secs();
        assert_eq!(secs(&[]), 3600);
        assert_eq!(secs(&["public, max-age=600"]), 600);
        assert_eq!(secs(&["public", "max-age=7200, must-revalidate"]), 7200);
        assert_eq!(secs(&["max-age=5"]), 60);
        assert_eq!(secs(&["max-age=999999"]), 86_400);
        assert_eq!(secs(&["max-age=600, no-cache"]), 60);
        assert_eq!(secs(&["no-store"]), 60);
        assert_eq!(secs(&["max-age=soon"]), 3600);
    }

    #[test]
    fn the_algorithm_comes_from_the_key() {
        let alg = |v: serde_json::Value| usable_key(v).map(|k| k.alg);
        let rsa = json!({"kty": "RSA", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"});
        assert_eq!(alg(rsa.clone()), Some(Algorithm::RS256));
        let mut ps = rsa.clone();
        ps["alg"] = json!("PS256");
        assert_eq!(alg(ps), Some(Algorithm::PS256));
        // An `alg` the key type cannot verify, or an HMAC one, makes the key unusable.
        let mut confused = rsa.clone();
        confused["alg"] = json!("HS256");
        assert_eq!(alg(confused), None);
        let mut es = rsa.clone();
        es["alg"] = json!("ES256");
        assert_eq!(alg(es), None);
        // Encryption keys are not for signatures.
        let mut enc = rsa;
        enc["use"] = json!("enc");
        assert_eq!(alg(enc), None);
        let p256 = json!({"kty": "EC", "crv": "P-256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
        assert_eq!(alg(p256), Some(Algorithm::ES256));
        let ed = json!({"kty": "OKP", "crv": "Ed25519",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
        assert_eq!(alg(ed), Some(Algorithm::EdDSA));
        // Symmetric keys never count, whatever they claim.
        assert_eq!(
            alg(json!({"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"})),
            None
        );
        assert_eq!(alg(json!({"kty": "oct", "k": "c2VjcmV0"})), None);
        assert_eq!(alg(json!({"kty": "weird"})), None);
    }

    #[test]
    fn fetches_are_held_off_for_a_minute() {
        let now = Utc::now();
        let mut c = Cached::default();
        assert_eq!(c.next_fetch_in(now), 0);
        c.asked_at = Some(now);
        assert_eq!(c.next_fetch_in(now + chrono::Duration::seconds(10)), 50);
        assert_eq!(c.next_fetch_in(now + chrono::Duration::seconds(60)), 0);
        // A clock set back does not hold fetches off.
        assert_eq!(c.next_fetch_in(now - chrono::Duration::seconds(600)), 0);
    }
}
