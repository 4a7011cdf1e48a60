//! Request ids: every request has one, the client's `X-Request-Id` when it sent a usable one
//! (1 to 64 letters, digits, `_ - . :`), otherwise a new UUID. It is answered in the response's
//! `X-Request-Id` and recorded with the peer address in the audit log entries the request
//! writes, so an operator can match an entry to a client's logs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};
use parley_core::audit::RequestInfo;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
const MAX_LEN: usize = 64;

/// The request's id, as request data.
#[derive(Clone)]
struct RequestId(String);

fn usable(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let fits = !text.is_empty()
        && text.len() <= MAX_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    fits.then(|| text.to_owned())
}

pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(usable)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let value = HeaderValue::from_str(&id).ok();
    req.extensions_mut().insert(RequestId(id));
    let mut res = next.call(req).await?;
    if let Some(value) = value {
        res.headers_mut().insert(HEADER, value);
    }
    Ok(res)
}

/// The request's id and peer address.
pub fn info(req: &HttpRequest) -> RequestInfo {
    RequestInfo {
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        ip: req.peer_addr().map(|a| a.ip().to_string()),
    }
}
