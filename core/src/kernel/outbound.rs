//! Calls Parley makes to URLs tenants give (webhooks, the before-send hook, their OIDC
//! issuers' keys): the one HTTP client for them, which refuses private, loopback and
//! link-local destinations — checked when a URL is saved and again at every connection, so a
//! DNS answer that changes later (rebinding) is caught too. In the kernel because callers on
//! every layer need it (authn fetches issuers' keys; integrations deliver webhooks).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

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

    /// Parses a tenant's URL and refuses what may never be called: other schemes, cloud
    /// metadata endpoints, and hosts that are (or resolve to) private addresses unless the
    /// operator allows them.
    pub async fn check_url(&self, raw: &str) -> Result<url::Url> {
        let url = self.check_syntax(raw)?;
        self.check_addresses(&url, Unresolved::Refuse).await?;
        Ok(url)
    }

    /// Refuses plain `http` unless the operator allows private URLs: for URLs whose answers are
    /// trusted (an identity provider's signing keys), which nobody on the path may swap.
    pub fn require_https(&self, field: &str, url: &url::Url) -> Result<()> {
        if url.scheme() == "https" || self.allow_private {
            Ok(())
        } else {
            Err(refused_private(format!("`{field}` must be https")))
        }
    }

    /// Refuses a URL whose host resolves to an address that may not be called. A name that
    /// does not resolve is refused or let through as `unresolved` says: the resolver guard
    /// checks it again at every connection anyway.
    pub async fn check_addresses(&self, url: &url::Url, unresolved: Unresolved) -> Result<()> {
        let host = url.host_str().unwrap_or_default().to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs = match tokio::net::lookup_host((host.trim_matches(['[', ']']), port)).await {
            Ok(addrs) => addrs,
            Err(_) if unresolved == Unresolved::Allow => return Ok(()),
            Err(e) => return Err(refused(format!("`{host}` does not resolve: {e}"))),
        };
        for addr in addrs {
            if let Some(why) = refusal(addr.ip(), self.allow_private) {
                return Err(refused(format!(
                    "`{host}` resolves to {}, {why}",
                    addr.ip()
                )));
            }
        }
        Ok(())
    }

    /// The checks that need no DNS: scheme, host, literal addresses. Run before each call too,
    /// since literal addresses never reach the resolver.
    pub fn check_syntax(&self, raw: &str) -> Result<url::Url> {
        self.check_syntax_of("url", raw)
    }

    /// [`Outbound::check_syntax`] for a URL the tenant gave in `field`, named in the refusal.
    pub fn check_syntax_of(&self, field: &str, raw: &str) -> Result<url::Url> {
        let url =
            url::Url::parse(raw).map_err(|e| refused(format!("`{field}` is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refused(format!("`{field}` must be http or https")));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refused(format!("`{field}` may not carry credentials")));
        }
        let literal = match url.host() {
            None => return Err(refused(format!("`{field}` has no host"))),
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
            && let Some(why) = refusal(ip, self.allow_private)
        {
            return Err(refused(format!("{ip} is {why}")));
        }
        Ok(url)
    }
}

/// What [`Outbound::check_addresses`] does with a host name that does not resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// Refuse it: the URL is about to be called (webhooks, the before-send hook).
    Refuse,
    /// Let it through: the URL is called later, and its name may not exist yet.
    Allow,
}

/// How an operator lifts the refusal of private addresses (a macro, so `concat!` can use it).
macro_rules! allow_private_hint {
    () => {
        "the operator allows such URLs with `worker.allow_private_urls` \
         (PARLEY_ALLOW_PRIVATE_URLS=true)"
    };
}

fn refused(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::UrlNotAllowed, detail)
}

/// A refusal because of where the URL points: names the setting that lifts it, so an
/// operator trying webhooks on one machine or a private network knows what to change.
fn refused_private(detail: impl Into<String>) -> Error {
    refused(format!("{}; {}", detail.into(), allow_private_hint!()))
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
            for addr in &addrs {
                if let Some(why) = refusal(addr.ip(), allow_private) {
                    return Err(
                        format!("refused: `{host}` resolves to {}, {why}", addr.ip()).into(),
                    );
                }
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Why a connection to `ip` is refused, if it is: cloud metadata endpoints always, other
/// addresses that are not public unicast unless the operator allows private URLs.
fn refusal(ip: IpAddr, allow_private: bool) -> Option<&'static str> {
    if is_metadata(ip) {
        Some("a cloud metadata endpoint, which is never allowed")
    } else if !allow_private && is_forbidden(ip) {
        Some(concat!(
            "a private, loopback or link-local address; ",
            allow_private_hint!()
        ))
    } else {
        None
    }
}

/// Cloud instance metadata services (AWS, GCP, Azure, OpenStack, Oracle: 169.254.169.254 and
/// the rest of IPv4 link-local; AWS over IPv6: fd00:ec2::254; Alibaba: 100.100.100.200), in
/// any IPv6 form that carries them. They hand out credentials, so no setting allows them.
pub fn is_metadata(ip: IpAddr) -> bool {
    let v4_metadata = |v4: Ipv4Addr| v4.is_link_local() || v4 == Ipv4Addr::new(100, 100, 100, 200);
    match ip {
        IpAddr::V4(v4) => v4_metadata(v4),
        IpAddr::V6(v6) => {
            v6 == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254)
                || embedded_v4(v6).into_iter().any(v4_metadata)
        }
    }
}

/// Addresses a tenant's URL may not point at: everything that is not public unicast,
/// including IPv6 forms that embed such an IPv4 address.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated, still routed inside sites)
                || (seg[0] == 0x64 && seg[1] == 0xff9b) // NAT64 may map to anything
                || (seg[0] == 0x0100 && seg[1..4] == [0, 0, 0]) // discard-only
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || (seg[0] == 0x2001 && seg[1] == 0) // Teredo: a tunnel to a NATed host
                || (seg[0] == 0x2001 && (seg[1] & 0xfff0) == 0x0010) // ORCHID
                || (seg[0] == 0x2001 && seg[1] == 2 && seg[2] == 0) // benchmarking
                || embedded_v4(v6).into_iter().any(forbidden_v4)
        }
    }
}

/// The IPv4 addresses an IPv6 address carries, by the forms that route to them: mapped
/// (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`), 6to4 (`2002:AABB:CCDD::/48`), Teredo (server
/// and obfuscated client), NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`) and ISATAP interface ids.
fn embedded_v4(v6: Ipv6Addr) -> Vec<Ipv4Addr> {
    let seg = v6.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    let mut out = Vec::new();
    if seg[..5] == [0; 5] && (seg[5] == 0xffff || seg[5] == 0) && !(seg[5] == 0 && seg[6] == 0) {
        out.push(v4(seg[6], seg[7]));
    }
    if seg[0] == 0x2002 {
        out.push(v4(seg[1], seg[2]));
    }
    if seg[0] == 0x2001 && seg[1] == 0 {
        out.push(v4(seg[2], seg[3]));
        out.push(v4(!seg[6], !seg[7]));
    }
    if seg[0] == 0x64 && seg[1] == 0xff9b {
        out.push(v4(seg[6], seg[7]));
    }
    if (seg[4] & 0xfdff) == 0 && seg[5] == 0x5efe {
        out.push(v4(seg[6], seg[7]));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

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
            // IPv6 forms that carry a refused IPv4 address.
            "2002:7f00:1::",                        // 6to4 of 127.0.0.1
            "2002:a9fe:a9fe::",                     // 6to4 of 169.254.169.254
            "2002:0a00:0001::1",                    // 6to4 of 10.0.0.1
            "::127.0.0.1",                          // IPv4-compatible
            "::10.0.0.1",                           // IPv4-compatible
            "2001:0:7f00:1::1",                     // Teredo, server 127.0.0.1
            "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo, client 127.0.0.1
            "64:ff9b::7f00:1",                      // NAT64
            "2001:4860::5efe:7f00:1",               // ISATAP interface id of 127.0.0.1
            "fec0::1",                              // site-local
            "100::1",                               // discard-only
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "1.1.1.1",
            "93.184.216.34",
            "2606:4700::1111",
            "2002:5db8:d822::1", // 6to4 of a public address
        ] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn metadata_endpoints_are_refused_even_when_private_urls_are_allowed() {
        for ip in [
            "169.254.169.254",
            "169.254.170.2",
            "100.100.100.200",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "2002:a9fe:a9fe::",
            "64:ff9b::a9fe:a9fe",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(refusal(ip, true).is_some(), "{ip}");
            assert!(refusal(ip, false).is_some(), "{ip}");
        }
        for ip in ["127.0.0.1", "10.0.0.1", "::1", "fd00::1"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(refusal(ip, true).is_none(), "{ip}");
            assert!(refusal(ip, false).is_some(), "{ip}");
        }
    }
}
