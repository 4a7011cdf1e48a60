//! Push notification clients: APNs (HTTP/2, ES256 provider tokens) and FCM (HTTP v1, OAuth2).
//!
//! Each client sends one [`Notification`] to one device token and says what the job loop should
//! do next as an [`Outcome`]: done, forget the token, try again later, or give up. Neither
//! client retries on its own beyond renewing a rejected credential once.

pub mod apns;
pub mod fcm;

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

pub use apns::{ApnsClient, ApnsCredentials};
pub use fcm::{FcmClient, FcmCredentials};

/// How long either service keeps trying to reach an offline device: a chat notification older
/// than a day is noise.
pub const EXPIRY: Duration = Duration::from_secs(24 * 60 * 60);

/// Time allowed for one request to either service, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What a device is told. The same value is rendered for APNs and for FCM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    pub body: String,
    /// Custom keys handed to the app (APNs: top level of the payload; FCM: `data`).
    pub data: BTreeMap<String, String>,
    /// A newer notification with the same id replaces the older one on the device.
    pub collapse_id: Option<String>,
    /// Groups notifications on the device (APNs `thread-id`), e.g. one thread per channel.
    pub thread_id: Option<String>,
    /// The number shown on the app icon.
    pub badge: Option<u32>,
}

/// What became of one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the service; `id` is its id for the notification when it gives one.
    Delivered { id: Option<String> },
    /// The device token will never work again: remove it.
    DeadToken { reason: String },
    /// A passing failure (throttled, service down, network): try again, not before `after`
    /// when the service said so.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// The service refused the request for a reason trying again will not fix (bad
    /// credentials, bad topic, payload too large…).
    Failed { reason: String },
}

/// The HTTP client both push clients share: HTTP/2 over TLS (negotiated by ALPN, which is all
/// APNs speaks), with a [`REQUEST_TIMEOUT`]. `extra_root_ca_pem` adds a trusted root, for a
/// service reached through a private CA (tests use it for their stand-ins' certificates).
pub fn http_client(extra_root_ca_pem: Option<&[u8]>) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT);
    if let Some(pem) = extra_root_ca_pem {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem)?);
    }
    builder.build()
}

/// The delay a `Retry-After` header asks for, in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// A transport failure (connection refused, TLS, timeout, reset) is worth another try.
fn transport_failure(service: &str, err: &reqwest::Error) -> Outcome {
    Outcome::Retry {
        reason: format!("{service} unreachable: {err}"),
        after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }
}
