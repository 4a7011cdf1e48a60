//! A tenant's settings, as `PATCH /v1/app` takes them and every request reads them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Per-tenant settings, changed through `PATCH /v1/app`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TenantSettings {
    /// Longest message text in characters; unset: the server default (5,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 20_000)]
    pub max_message_length: Option<usize>,
    /// A URL called before each message is stored, which may accept, reject or rewrite it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_send: Option<BeforeSendHook>,
    /// Largest upload in bytes; unset: the server default (100 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_upload_bytes: Option<u64>,
    /// Content types that may be uploaded, exact (`image/png`) or by family (`image/*`);
    /// unset: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_content_types: Option<Vec<String>>,
    /// Web origins whose pages may call the API and open realtime connections with this
    /// app's keys (`https://app.example.com`, with a port when not the default), or `["*"]`
    /// for any. A request or handshake carrying an `Origin` not listed is refused with 403
    /// `origin_not_allowed`; unset, no browser origin is allowed. Requests without `Origin`
    /// (servers, mobile apps) are not affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 100)]
    pub allowed_origins: Option<Vec<String>>,
    /// OpenID Connect issuers whose signed tokens (RS256, ES256, EdDSA…) users may connect
    /// with, beside the HS256 tokens the app signs itself. A token whose `iss` is one of these
    /// is verified with that issuer's published keys, never with the app's signing secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 5)]
    pub oidc_issuers: Vec<OidcIssuer>,
}

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

impl TenantSettings {
    /// Whether a browser page at `origin` may use this app's keys.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let Some(allowed) = &self.allowed_origins else {
            return false;
        };
        if allowed.iter().any(|a| a == "*") {
            return true;
        }
        normalize_origin(origin).is_some_and(|o| allowed.contains(&o))
    }

    /// The trusted issuer whose `iss` is `iss`, if any.
    pub fn oidc_issuer(&self, iss: &str) -> Option<&OidcIssuer> {
        self.oidc_issuers.iter().find(|i| i.issuer == iss)
    }
}

/// An identity provider the app trusts (`settings.oidc_issuers[]` of the app). Its keys are
/// found through `{issuer}/.well-known/openid-configuration` when a token first needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcIssuer {
    /// The issuer exactly as its tokens carry it in `iss` (`https://login.example.com`):
    /// https, no query or fragment.
    #[schema(min_length = 1, max_length = 500)]
    pub issuer: String,
    /// What the tokens must carry in `aud`: the client id the app has at the issuer.
    #[schema(min_length = 1, max_length = 500)]
    pub audience: String,
    /// The claim whose value becomes the Parley user id (default `sub`); it must follow the
    /// user id rules, or the token is refused.
    #[serde(default = "default_user_id_claim")]
    #[schema(min_length = 1, max_length = 200)]
    pub user_id_claim: String,
    /// A claim whose value becomes the name of a user created by their first token (`name`,
    /// `preferred_username`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 200)]
    pub name_claim: Option<String>,
}

fn default_user_id_claim() -> String {
    "sub".to_owned()
}

/// Settings of the before-send hook (`settings.before_send` of the app).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeforeSendHook {
    /// Called with a POST for every new message.
    pub url: String,
    /// Time limit of the call, in milliseconds (default 2,000; at most 10,000).
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// When the hook fails or times out: true stores the message anyway (default), false
    /// refuses it with 503.
    #[serde(default = "default_fail_open")]
    pub fail_open: bool,
}

fn default_timeout() -> u64 {
    2_000
}

fn default_fail_open() -> bool {
    true
}
