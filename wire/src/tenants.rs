use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use crate::*;
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

/// The two kinds of tenant key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `pk_…`: identifies the tenant from apps and browsers; useless without a user token.
    Publishable,
    /// `sk_…`: full access to the tenant; for the tenant's servers only.
    Secret,
}

impl KeyKind {
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Publishable => "pk_",
            Self::Secret => "sk_",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Publishable => "publishable",
            Self::Secret => "secret",
        }
    }
    pub fn from_db(s: &str) -> Self {
        if s == "secret" {
            Self::Secret
        } else {
            Self::Publishable
        }
    }
}

/// A tenant as the operator sees it.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub disabled: bool,
    pub settings: TenantSettings,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The answer to creating a tenant: the keys and the signing secret are shown this once.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct CreatedTenant {
    pub tenant: Tenant,
    /// For apps and browsers, with a user token.
    pub publishable_key: String,
    /// For the tenant's servers only.
    pub secret_key: String,
    /// HS256 secret for minting user tokens without calling `POST /v1/tokens`.
    pub signing_secret: String,
}

/// An API key, without its secret.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub kind: KeyKind,
    pub name: Option<String>,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key: `key` is shown this once.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub info: ApiKey,
    pub key: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// 1 to 200 characters, not only spaces.
    #[schema(pattern = "\\S", min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default, deserialize_with = "settings_object")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<TenantSettings>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    /// 1 to 200 characters, not only spaces.
    #[schema(pattern = "\\S", min_length = 1, max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A disabled tenant's keys stop working until it is enabled again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    #[serde(default, deserialize_with = "settings_object")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<TenantSettings>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    pub kind: KeyKind,
    /// 1 to 200 characters, not only spaces.
    #[serde(default)]
    #[schema(pattern = "\\S", min_length = 1, max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The app as its tenant sees it.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct App {
    pub id: String,
    pub name: String,
    pub settings: TenantSettings,
    /// The effective message length limit.
    pub max_message_length: usize,
    /// Until when tokens signed with the previous signing secret are still accepted.
    pub previous_signing_secret_valid_until: Option<DateTime<Utc>>,
    /// Present only in the answer to a rotation: the new secret, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
    /// Present only when the before-send hook is first set or its secret rotated: the secret
    /// (`whsec_…`) its calls are signed with, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_send_secret: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AppPatch {
    /// 1 to 200 characters, not only spaces.
    #[schema(pattern = "\\S", min_length = 1, max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "settings_object")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<TenantSettings>,
    /// Generate a new signing secret. Tokens signed with the old one keep working until they
    /// expire (at most the longest token lifetime).
    #[serde(default)]
    pub rotate_signing_secret: bool,
    /// Generate a new secret for signing the before-send hook's calls.
    #[serde(default)]
    pub rotate_before_send_secret: bool,
}

fn default_user_id_claim() -> String {
    "sub".to_owned()
}

fn default_timeout() -> u64 {
    2_000
}

fn default_fail_open() -> bool {
    true
}

/// `settings` must be an object (or null): serde alone would also read a struct from an
/// array of its fields, which no client means.
fn settings_object<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<TenantSettings>, D::Error> {
    use serde::de::Error as _;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        v @ serde_json::Value::Object(_) => TenantSettings::deserialize(v)
            .map(Some)
            .map_err(D::Error::custom),
        _ => Err(D::Error::custom("invalid type: expected an object")),
    }
}

impl TenantSettings {
    /// The trusted issuer whose `iss` is `iss`, if any.
    pub fn oidc_issuer(&self, iss: &str) -> Option<&OidcIssuer> {
        self.oidc_issuers.iter().find(|i| i.issuer == iss)
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The user the token is for; the user need not exist yet.
    #[schema(pattern = "^[A-Za-z0-9_.@-]+$", min_length = 1, max_length = 128)]
    pub user_id: String,
    /// Lifetime in seconds; default 86,400 (a day), at most 30 days (the server's
    /// `limits.max_token_ttl_s`).
    #[schema(minimum = 1, maximum = 2_592_000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
}

#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Token {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}
