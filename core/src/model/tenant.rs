//! A tenant's settings, as `PATCH /v1/app` takes them and every request reads them.

pub use parley_wire::tenants::{BeforeSendHook, OidcIssuer, TenantSettings};

/// An `Origin` as browsers send it: `scheme://host[:port]`, lowercase, without the default
/// port; `None` for anything else (`null`, paths, credentials).
pub fn normalize_origin(origin: &str) -> Option<String> {
    let url = url::Url::parse(origin).ok()?;
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !origin.ends_with('/');
    let tuple = matches!(url.scheme(), "http" | "https") && url.host().is_some();
    (bare && tuple).then(|| url.origin().ascii_serialization())
}

/// Whether a browser page at `origin` may use the keys of an app with these settings.
pub fn allows_origin(settings: &TenantSettings, origin: &str) -> bool {
    let Some(allowed) = &settings.allowed_origins else {
        return false;
    };
    if allowed.iter().any(|a| a == "*") {
        return true;
    }
    normalize_origin(origin).is_some_and(|o| allowed.contains(&o))
}
