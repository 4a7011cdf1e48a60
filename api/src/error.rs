//! Renders `parley_core::Error` as RFC 9457 `application/problem+json`, and turns actix's own
//! extractor failures (bad JSON, oversize bodies, bad query strings) into the same shape.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError, error as actix_error, web};
use parley_core::{Error, ErrorCode};

use crate::openapi::KnownPaths;
pub use parley_wire::problem::Problem;

/// The media type of every error answer.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The api crate's error: a core error that actix can render.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let e = &self.0;
        if e.status() >= 500 {
            tracing::error!(
                code = e.code.as_str(),
                cause = e.source.as_deref().unwrap_or(""),
                "request failed"
            );
        }
        let body = Problem {
            kind: format!("urn:parley:error:{}", e.code.as_str()),
            title: e.code.title().to_owned(),
            status: e.status(),
            detail: e.detail.clone(),
            code: e.code.as_str().to_owned(),
            action: e.action.map(str::to_owned),
        };
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        ));
        if let Some(secs) = e.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

/// Maps a JSON body failure to a problem: 413 for size, 415 for content type, 400 otherwise
/// with serde's message, which names the offending field.
pub fn json_error(err: actix_error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_error::JsonPayloadError as J;
    let e = match &err {
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => Error::new(
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes"),
        ),
        J::ContentType => Error::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as `Content-Type: application/json`",
        ),
        J::Deserialize(de) => Error::new(ErrorCode::InvalidJson, de.to_string()),
        other => Error::new(ErrorCode::InvalidJson, other.to_string()),
    };
    ApiError(e).into()
}

pub fn query_error(err: actix_error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError(Error::invalid(format!("query string: {err}"))).into()
}

pub fn path_error(err: actix_error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError(Error::invalid(format!("path: {err}"))).into()
}

/// A request no route took: 405 with `Allow` when the path exists with other methods, 404
/// otherwise; a problem document either way.
pub async fn no_route(req: HttpRequest, known: web::Data<KnownPaths>) -> HttpResponse {
    match known.allowed(req.path()) {
        Some(methods) if !methods.contains(req.method()) => {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut res = ApiError(Error::new(
                ErrorCode::MethodNotAllowed,
                format!(
                    "{} {} is not supported; allowed: {allow}",
                    req.method(),
                    req.path()
                ),
            ))
            .error_response();
            if let Ok(value) = HeaderValue::from_str(&allow) {
                res.headers_mut().insert(header::ALLOW, value);
            }
            res
        }
        _ => ApiError(Error::new(
            ErrorCode::NotFound,
            format!("no route for {} {}", req.method(), req.path()),
        ))
        .error_response(),
    }
}
