//! Calls Parley makes to tenants' URLs (webhooks, the before-send hook): the HTTP client that
//! refuses private, loopback and link-local destinations — checked when a URL is saved and
//! again at every connection, so a DNS answer that changes later (rebinding) is caught too —
//! and the Standard Webhooks signature.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::Sha256;

use crate::{Error, ErrorCode, Result};

/// The shared client for outgoing calls to tenant URLs.
#[derive(Clone)]
pub struct Outbound {
    pub client: reqwest::Client,
    allow_private: bool,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("allow_private", &self.allow_private)
            .finish()
    }
}

impl Outbound {
    pub fn new(allow_private: bool) -> Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("Parley-Webhooks/", env!("CARGO_PKG_VERSION")))
            // A redirect could lead anywhere; receivers must answer at the URL they gave.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, past the check below.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build()
            .map_err(Error::internal)?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// Parses a tenant's URL and refuses what may never be called: other schemes, and hosts
    /// that are (or resolve to) private addresses unless the operator allows them.
    pub async fn check_url(&self, raw: &str) -> Result<url::Url> {
        let url = self.check_syntax(raw)?;
        if self.allow_private {
            return Ok(url);
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| refused(format!("`{host}` does not resolve: {e}")))?;
        for addr in addrs {
            if is_forbidden(addr.ip()) {
                return Err(refused_private(format!(
                    "`{host}` resolves to {}, a private, loopback or link-local address",
                    addr.ip()
                )));
            }
        }
        Ok(url)
    }

    /// A POST of a JSON `body` signed the Standard Webhooks way: `webhook-id`,
    /// `webhook-timestamp` and, with a secret, `webhook-signature`.
    pub fn signed_post(
        &self,
        url: url::Url,
        id: &str,
        secret: Option<&str>,
        body: String,
        timeout: std::time::Duration,
    ) -> Result<reqwest::RequestBuilder> {
        let ts = chrono::Utc::now().timestamp();
        let mut req = self
            .client
            .post(url)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string());
        if let Some(secret) = secret {
            req = req.header("webhook-signature", sign(secret, id, ts, &body)?);
        }
        Ok(req.body(body))
    }

    /// The checks that need no DNS: scheme, host, literal addresses. Run before each call too,
    /// since literal addresses never reach the resolver.
    pub fn check_syntax(&self, raw: &str) -> Result<url::Url> {
        let url = url::Url::parse(raw).map_err(|e| refused(format!("`url` is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refused("`url` must be http or https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refused("`url` may not carry credentials"));
        }
        let literal = match url.host() {
            None => return Err(refused("`url` has no host")),
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(d)) => {
                if !self.allow_private && (d == "localhost" || d.ends_with(".localhost")) {
                    return Err(refused_private(format!("`{d}` is a loopback name")));
                }
                None
            }
        };
        if let Some(ip) = literal
            && !self.allow_private
            && is_forbidden(ip)
        {
            return Err(refused_private(format!(
                "{ip} is a private, loopback or link-local address"
            )));
        }
        Ok(url)
    }
}

fn refused(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::UrlNotAllowed, detail)
}

/// A refusal because of where the URL points: names the setting that lifts it, so an
/// operator trying webhooks on one machine or a private network knows what to change.
fn refused_private(detail: impl Into<String>) -> Error {
    refused(format!(
        "{}; the operator allows such URLs with `worker.allow_private_urls` (PARLEY_ALLOW_PRIVATE_URLS=true)",
        detail.into()
    ))
}

/// Resolves names and drops the call if any answer is a forbidden address.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_private && let Some(bad) = addrs.iter().find(|a| is_forbidden(a.ip())) {
                return Err(format!(
                    "refused: `{host}` resolves to {}, a private, loopback or link-local address",
                    bad.ip()
                )
                .into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Addresses a tenant's URL may not point at: everything that is not public unicast.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || (seg[0] == 0x64 && seg[1] == 0xff9b) // NAT64 may map to anything
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || v6 == Ipv6Addr::LOCALHOST
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // carrier-grade NAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking
        || o[0] >= 240
}

/// A new Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_signing_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", B64.encode(bytes))
}

/// The `webhook-signature` value for one message (Standard Webhooks: HMAC-SHA256 of
/// `id.timestamp.body` keyed with the secret's bytes, base64, after `v1,`).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String> {
    let key = B64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| Error::internal("a signing secret is not base64"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(Error::internal)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn private_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["1.1.1.1", "93.184.216.34", "2606:4700::1111"] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }
}
