//! Typed extractors: a handler's signature says who may call it.
//! - [`OperatorAuth`]: the operator token, on `/admin/v1/*`.
//! - [`ServerAuth`]: the tenant's secret key (`Authorization: Bearer sk_…`).
//! - [`UserAuth`]: publishable key (`X-Api-Key: pk_…`) + user token (`Authorization: Bearer <JWT>`).
//! - [`AnyAuth`]: either of the last two.

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use parley_core::audit::RequestInfo;
use parley_core::authn::{self as core_auth, Actor, Caller};
use parley_core::{Error, ErrorCode, Parley};
use secrecy::SecretString;

use crate::error::ApiError;
use crate::limits::RateLimits;

/// The operator token, as app data.
#[derive(Clone)]
pub struct AdminToken(pub SecretString);

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn api_key_header(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
}

/// What credentials a request carries, before checking them.
pub enum Credentials {
    Secret(String),
    User { api_key: String, token: String },
}

impl Credentials {
    /// Reads credentials from headers, or from `api_key`/`token` query parameters when
    /// `allow_query` (browsers cannot set headers on WebSocket and EventSource requests).
    pub fn from_request(req: &HttpRequest, allow_query: bool) -> Result<Self, Error> {
        let mut bearer = bearer(req);
        let mut api_key = api_key_header(req);
        if allow_query {
            let q = web::Query::<std::collections::HashMap<String, String>>::from_query(
                req.query_string(),
            )
            .map(web::Query::into_inner)
            .unwrap_or_default();
            api_key = api_key.or_else(|| q.get("api_key").cloned());
            bearer = bearer.or_else(|| q.get("token").cloned());
        }
        match (bearer, api_key) {
            (Some(b), _) if b.starts_with("sk_") => Ok(Self::Secret(b)),
            (Some(b), _) if b.starts_with("pk_") => Err(Error::new(
                ErrorCode::InvalidApiKey,
                "the publishable key goes in `X-Api-Key`, with a user token as the bearer",
            )),
            (Some(token), Some(api_key)) => Ok(Self::User { api_key, token }),
            (Some(_), None) => Err(Error::new(
                ErrorCode::MissingCredentials,
                "a user token needs the publishable key in `X-Api-Key`",
            )),
            (None, Some(_)) => Err(Error::new(
                ErrorCode::MissingCredentials,
                "missing user token: send `Authorization: Bearer <token>`",
            )),
            (None, None) => Err(Error::new(
                ErrorCode::MissingCredentials,
                "send `Authorization: Bearer sk_…` (server) or `X-Api-Key: pk_…` with a user token",
            )),
        }
    }

    pub async fn authenticate(self, ctx: &Parley) -> Result<Caller, Error> {
        match self {
            Self::Secret(key) => core_auth::authenticate_server(ctx, &key).await,
            Self::User { api_key, token } => {
                core_auth::authenticate_user(ctx, &api_key, &token).await
            }
        }
    }
}

fn state(req: &HttpRequest) -> Result<(Parley, Arc<RateLimits>), Error> {
    let ctx = req
        .app_data::<web::Data<Parley>>()
        .ok_or_else(|| Error::internal("Parley state missing"))?;
    let limits = req
        .app_data::<web::Data<Arc<RateLimits>>>()
        .ok_or_else(|| Error::internal("rate limits missing"))?;
    Ok((ctx.get_ref().clone(), Arc::clone(limits.get_ref())))
}

/// Authenticates and counts the request against the caller's rate limit.
pub async fn authenticate(req: &HttpRequest, allow_query: bool) -> Result<Caller, Error> {
    let creds = Credentials::from_request(req, allow_query)?;
    let (ctx, limits) = state(req)?;
    let mut caller = creds.authenticate(&ctx).await?;
    caller.request = crate::request_id::info(req);
    check_origin(req, &caller)?;
    limits.check(&caller)?;
    Ok(caller)
}

/// A browser page (a request with `Origin`) may use the app's keys only from an origin the
/// app allows; an allowed one is marked for the CORS answer.
fn check_origin(req: &HttpRequest, caller: &Caller) -> Result<(), Error> {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let text = origin.to_str().unwrap_or_default();
    if !parley_core::model::tenant::allows_origin(&caller.tenant.settings, text) {
        return Err(Error::new(
            ErrorCode::OriginNotAllowed,
            format!(
                "the origin `{text}` is not in the app's `settings.allowed_origins` \
                 (set them with PATCH /v1/app)"
            ),
        ));
    }
    req.extensions_mut()
        .insert(crate::cors::AllowedOrigin(origin.clone()));
    Ok(())
}

/// The tenant server or a user.
pub struct AnyAuth(pub Caller);

impl FromRequest for AnyAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Self(authenticate(&req, false).await?)) })
    }
}

/// The tenant server only (secret key).
pub struct ServerAuth(pub Caller);

impl FromRequest for ServerAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(&req, false).await?;
            match caller.actor {
                Actor::Server => Ok(Self(caller)),
                Actor::User(_) => Err(Error::new(
                    ErrorCode::ServerKeyRequired,
                    "this endpoint needs the secret key (sk_…), from the tenant's server",
                )
                .into()),
            }
        })
    }
}

/// A user session only (publishable key + user token).
pub struct UserAuth(pub Caller);

impl FromRequest for UserAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(&req, false).await?;
            match caller.actor {
                Actor::User(_) => Ok(Self(caller)),
                Actor::Server => Err(Error::new(
                    ErrorCode::Forbidden,
                    "this endpoint is about the calling user: use a user token, not the secret key",
                )
                .into()),
            }
        })
    }
}

/// The operator, on `/admin/v1/*`, with the request's id and address for the audit log.
pub struct OperatorAuth(pub RequestInfo);

impl FromRequest for OperatorAuth {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = (|| {
            let expected = req
                .app_data::<web::Data<AdminToken>>()
                .ok_or_else(|| Error::internal("admin token missing"))?;
            let given = bearer(req).ok_or_else(|| {
                Error::new(
                    ErrorCode::MissingCredentials,
                    "send `Authorization: Bearer <operator token>`",
                )
            })?;
            core_auth::verify_admin_token(&expected.0, &given)?;
            Ok(OperatorAuth(crate::request_id::info(req)))
        })();
        std::future::ready(result.map_err(ApiError))
    }
}
