//! Tokens from a tenant's own identity provider: an OIDC issuer the app lists in
//! `settings.oidc_issuers` signs them (RS256, ES256, EdDSA…) and publishes its keys; Parley
//! verifies them with those keys (see [`super::jwks`]), checks issuer, audience and time, and
//! reads the user id (and, for a user's first token, the name) from the claims the app named.
//! Also the rules those settings follow when the tenant saves them.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, AlgorithmFamily, Validation};
use serde_json::{Map, Value};

use super::{CLOCK_SKEW_S, VerifiedUser, check_not_before, token_error};
use crate::kernel::ids::UserId;
use crate::kernel::outbound::Unresolved;
use crate::model::tenant::OidcIssuer;
use crate::{Error, ErrorCode, Parley, Result};

/// Most issuers one app may trust.
pub const MAX_ISSUERS: usize = 5;
/// Longest issuer URL and audience.
const MAX_URL_LEN: usize = 500;
/// Longest claim name: namespaced claims (`https://example.com/claims/uid`) are long.
const MAX_CLAIM_LEN: usize = 200;
/// Longest name a user gets from a token; a longer one is cut.
const MAX_NAME_CHARS: usize = 200;

fn bad(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidToken, detail)
}

/// Verifies a token whose `iss` is `issuer`: signed with one of the issuer's keys, with the
/// algorithm that key is for (so never HS256), for the app's audience, and in date.
pub(crate) async fn verify(ctx: &Parley, issuer: &OidcIssuer, token: &str) -> Result<VerifiedUser> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|_| bad("the user token is not a JWT"))?;
    if header.alg.family() == AlgorithmFamily::Hmac {
        return Err(bad(format!(
            "a token from the OIDC issuer `{}` must be signed with one of the keys it publishes; \
             {:?} is accepted only for tokens without its `iss`, signed with the app's secret",
            issuer.issuer, header.alg
        )));
    }
    let kid = header.kid.as_deref();
    let keys = ctx
        .issuer_keys
        .keys(ctx, &issuer.issuer, kid)
        .await?
        .into_iter()
        .filter(|k| k.alg == header.alg)
        .collect::<Vec<_>>();
    if keys.is_empty() {
        let which = match kid {
            Some(kid) => format!("the key `{kid}` of `{}` is not for", issuer.issuer),
            None => format!("none of the keys of `{}` is for", issuer.issuer),
        };
        return Err(bad(format!(
            "the user token says it is signed with {:?}, which {which}",
            header.alg
        )));
    }
    let validation = validation(issuer, header.alg);
    for key in &keys {
        match jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation) {
            Ok(data) => return user_of(ctx, issuer, &data.claims),
            // Without a `kid`, each key of the algorithm is tried in turn.
            Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => continue,
            Err(e) => return Err(claims_error(issuer, &e)),
        }
    }
    Err(bad(format!(
        "the user token's signature does not match the keys of `{}`",
        issuer.issuer
    )))
}

/// Signature, issuer and audience are checked by jsonwebtoken; time by [`check_time`], on the
/// node's clock.
fn validation(issuer: &OidcIssuer, alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.set_issuer(&[&issuer.issuer]);
    v.set_audience(&[&issuer.audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v.validate_exp = false;
    v.validate_nbf = false;
    v
}

fn claims_error(issuer: &OidcIssuer, e: &jsonwebtoken::errors::Error) -> Error {
    match e.kind() {
        ErrorKind::InvalidAudience => bad(format!(
            "the user token's `aud` is not `{}`, the audience the app expects from `{}`",
            issuer.audience, issuer.issuer
        )),
        _ => token_error(e),
    }
}

/// The user a verified token names, once its time claims are checked.
fn user_of(ctx: &Parley, issuer: &OidcIssuer, claims: &Map<String, Value>) -> Result<VerifiedUser> {
    check_time(claims, ctx.now().timestamp())?;
    let claim = issuer.user_id_claim.as_str();
    let raw = match claims.get(claim) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            return Err(bad(format!(
                "the user token's `{claim}` claim is not a string"
            )));
        }
        None => {
            return Err(bad(format!(
                "the user token has no `{claim}` claim, which the app's settings name as the user id"
            )));
        }
    };
    let id = UserId::parse(claim, &raw).map_err(|e| {
        bad(format!(
            "the user token's `{claim}` cannot be a Parley user id: {}",
            e.detail
        ))
    })?;
    let name = issuer
        .name_claim
        .as_deref()
        .and_then(|c| claims.get(c))
        .and_then(Value::as_str)
        .map(|n| n.trim().chars().take(MAX_NAME_CHARS).collect::<String>())
        .filter(|n| !n.is_empty());
    Ok(VerifiedUser { id, name })
}

/// `exp` (required) with [`CLOCK_SKEW_S`] of grace, then `nbf` and `iat`.
fn check_time(claims: &Map<String, Value>, now: i64) -> Result<()> {
    let seconds = |name: &str| -> Result<Option<i64>> {
        match claims.get(name) {
            None | Some(Value::Null) => Ok(None),
            // NumericDate may carry a fraction.
            Some(Value::Number(n)) => Ok(n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))),
            Some(_) => Err(bad(format!("the user token's `{name}` is not a number"))),
        }
    };
    let exp = seconds("exp")?.ok_or_else(|| bad("the user token lacks the `exp` claim"))?;
    if exp + CLOCK_SKEW_S < now {
        return Err(Error::new(
            ErrorCode::TokenExpired,
            "the user token has expired; get a new one from the identity provider",
        ));
    }
    check_not_before(seconds("nbf")?, seconds("iat")?, now)
}

/// Checks `settings.oidc_issuers` as a tenant saves it, naming the field at fault. The issuers
/// need not answer yet (their keys are fetched when a token first needs them), so an issuer
/// URL is checked for its form and, when its name resolves, for where it points: the rules of
/// webhook URLs, https only.
pub async fn check_issuers(ctx: &Parley, issuers: &[OidcIssuer]) -> Result<()> {
    if issuers.len() > MAX_ISSUERS {
        return Err(Error::invalid(format!(
            "`settings.oidc_issuers` may list at most {MAX_ISSUERS} issuers"
        )));
    }
    for (i, issuer) in issuers.iter().enumerate() {
        let field = |name: &str| format!("settings.oidc_issuers[{i}].{name}");
        check_issuer_url(ctx, &field("issuer"), &issuer.issuer).await?;
        if issuers[..i].iter().any(|o| o.issuer == issuer.issuer) {
            return Err(Error::invalid(format!(
                "`{}`: `{}` is listed twice",
                field("issuer"),
                issuer.issuer
            )));
        }
        check_text(&field("audience"), &issuer.audience, MAX_URL_LEN)?;
        check_text(
            &field("user_id_claim"),
            &issuer.user_id_claim,
            MAX_CLAIM_LEN,
        )?;
        if let Some(name_claim) = &issuer.name_claim {
            check_text(&field("name_claim"), name_claim, MAX_CLAIM_LEN)?;
        }
    }
    Ok(())
}

async fn check_issuer_url(ctx: &Parley, field: &str, raw: &str) -> Result<()> {
    // Tokens carry the issuer in `iss`, compared as a string: what is saved must be exact.
    if raw.trim() != raw || raw.chars().count() > MAX_URL_LEN {
        return Err(Error::invalid(format!(
            "`{field}` must be the issuer's URL as its tokens carry it in `iss`: \
             no spaces around it, at most {MAX_URL_LEN} characters"
        )));
    }
    // A refusal for where the URL points names the address, not the field: add it.
    let in_field = |e: Error| {
        if e.detail.contains(field) {
            e
        } else {
            Error {
                detail: format!("`{field}`: {}", e.detail),
                ..e
            }
        }
    };
    let url = ctx.outbound.check_syntax_of(field, raw).map_err(in_field)?;
    ctx.outbound.require_https(field, &url)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(format!(
            "`{field}`: an issuer URL has no query or fragment"
        )));
    }
    ctx.outbound
        .check_addresses(&url, Unresolved::Allow)
        .await
        .map_err(in_field)
}

fn check_text(field: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() || value.chars().count() > max || value.chars().any(char::is_control)
    {
        return Err(Error::invalid(format!(
            "`{field}` must be 1 to {max} characters, not only spaces"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn time_claims_allow_a_minute_of_skew() {
        let now = 1_800_000_000;
        let ok = |v: Value| check_time(&claims(v), now);
        assert!(ok(json!({"exp": now + 10})).is_ok());
        assert!(ok(json!({"exp": now - 50})).is_ok());
        assert_eq!(
            ok(json!({"exp": now - 61})).unwrap_err().code,
            ErrorCode::TokenExpired
        );
        assert!(ok(json!({"exp": (now + 10) as f64 + 0.5})).is_ok());
        assert_eq!(
            ok(json!({"exp": "tomorrow"})).unwrap_err().code,
            ErrorCode::InvalidToken
        );
        assert!(ok(json!({})).is_err());
        assert!(ok(json!({"exp": now + 600, "nbf": now + 50})).is_ok());
        assert!(ok(json!({"exp": now + 600, "nbf": now + 120})).is_err());
        assert!(ok(json!({"exp": now + 600, "iat": now + 120})).is_err());
    }
}
