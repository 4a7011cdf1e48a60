//! Who is calling: the operator token, tenant API keys (publishable `pk_…`, secret `sk_…`)
//! and user tokens: HS256 JWTs signed with the tenant's signing secret, or tokens from one of
//! the tenant's own OIDC issuers, verified with the keys it publishes ([`oidc`]).

mod jwks;
pub mod oidc;

pub use jwks::IssuerKeys;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::entities::{api_key, tenant, user};
use crate::kernel::crypto::{random_string, write_private};
use crate::kernel::ids::{TenantId, UserId, UserRole};
use crate::model::tenant::{OidcIssuer, TenantSettings};
use crate::{Error, ErrorCode, Parley, Result};
pub use parley_wire::tenants::KeyKind;

const KEY_ID_LEN: usize = 12;
const KEY_SECRET_LEN: usize = 32;
/// How often the last-used time of a key is written, at most, per process.
const KEY_USAGE_WRITE_EVERY: Duration = Duration::from_secs(60);

/// A freshly generated key: `full` is shown to the caller once; only `hash` is stored.
pub struct IssuedKey {
    pub id: String,
    pub full: String,
    pub hash: String,
}

fn sha256_hex(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn generate_key(kind: KeyKind) -> IssuedKey {
    let id = random_string(KEY_ID_LEN);
    let full = format!("{}{}{}", kind.prefix(), id, random_string(KEY_SECRET_LEN));
    let hash = sha256_hex(&full);
    IssuedKey { id, full, hash }
}

/// The tenant a request acts in, with its parsed settings. `model` holds the signing secrets
/// as stored (sealed); the opened ones are in `signing`, which never prints.
#[derive(Debug, Clone)]
pub struct TenantCtx {
    pub id: TenantId,
    pub model: tenant::Model,
    pub settings: TenantSettings,
    signing: Option<SigningSecrets>,
}

/// A tenant's token signing secrets in clear, for minting and verifying user tokens.
#[derive(Debug, Clone)]
struct SigningSecrets {
    current: SecretString,
    previous: Option<SecretString>,
}

impl TenantCtx {
    /// Longest message text the tenant accepts: its own setting, or the server's default.
    pub fn max_message_length(&self, limits: &crate::kernel::config::Limits) -> usize {
        self.settings
            .max_message_length
            .unwrap_or(limits.max_message_length)
    }

    pub(crate) fn from_model(model: tenant::Model) -> Self {
        let settings = serde_json::from_value(model.settings.clone()).unwrap_or_default();
        Self {
            id: TenantId::from_trusted(model.id.clone()),
            model,
            settings,
            signing: None,
        }
    }

    /// The secrets tokens are signed with; present on a tenant loaded by authentication.
    fn signing(&self) -> Result<&SigningSecrets> {
        self.signing
            .as_ref()
            .ok_or_else(|| Error::internal("the tenant's signing secrets were not loaded"))
    }
}

/// The user behind a user token.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: UserId,
    pub role: UserRole,
}

/// Who acts: the tenant's server (secret key) or one of its users.
#[derive(Debug, Clone)]
pub enum Actor {
    Server,
    User(SessionUser),
}

/// An authenticated caller inside one tenant.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: TenantCtx,
    pub actor: Actor,
    /// The id of the API key the caller authenticated with: revoking it ends the caller's
    /// open connections.
    pub key_id: Option<String>,
    /// The request (or the WebSocket/SSE handshake) the caller came in, for the audit log.
    pub request: crate::kernel::request::RequestInfo,
}

impl Caller {
    /// The tenant server and tenant admins may do anything inside the tenant.
    pub fn is_privileged(&self) -> bool {
        match &self.actor {
            Actor::Server => true,
            Actor::User(u) => u.role == UserRole::Admin,
        }
    }

    pub fn user_id(&self) -> Option<&UserId> {
        match &self.actor {
            Actor::Server => None,
            Actor::User(u) => Some(&u.id),
        }
    }

    pub fn tenant_id(&self) -> &str {
        self.tenant.id.as_str()
    }

    /// The user an action is done as: the session's user, or for the tenant server the
    /// `user_id` it names in the body (required where an action needs an author).
    pub fn acting_user(&self, named: Option<&str>) -> Result<UserId> {
        match (&self.actor, named) {
            (Actor::User(u), None) => Ok(u.id.clone()),
            (Actor::User(u), Some(named)) if named == u.id.as_str() => Ok(u.id.clone()),
            (Actor::User(_), Some(_)) => Err(Error::forbidden(
                "`user_id` may only be set with the secret key; a user acts as themselves",
            )),
            (Actor::Server, Some(named)) => UserId::parse("user_id", named),
            (Actor::Server, None) => Err(Error::invalid(
                "`user_id` is required when acting with the secret key",
            )),
        }
    }
}

/// Remembers when each key's last-used time was written, so a busy key costs one write a minute.
#[derive(Default)]
pub struct KeyUsage {
    written: Mutex<HashMap<String, Instant>>,
}

impl KeyUsage {
    fn due(&self, key_id: &str) -> bool {
        let Ok(mut map) = self.written.lock() else {
            return false;
        };
        let now = Instant::now();
        match map.get(key_id) {
            Some(at) if now.duration_since(*at) < KEY_USAGE_WRITE_EVERY => false,
            _ => {
                if map.len() > 100_000 {
                    map.retain(|_, at| now.duration_since(*at) < KEY_USAGE_WRITE_EVERY);
                }
                map.insert(key_id.to_owned(), now);
                true
            }
        }
    }
}

/// Checks a tenant key of the expected kind and returns its tenant.
pub async fn authenticate_key(ctx: &Parley, raw: &str, expected: KeyKind) -> Result<TenantCtx> {
    Ok(authenticate_key_id(ctx, raw, expected).await?.0)
}

/// Like [`authenticate_key`], with the id of the key that matched.
async fn authenticate_key_id(
    ctx: &Parley,
    raw: &str,
    expected: KeyKind,
) -> Result<(TenantCtx, String)> {
    let other = match expected {
        KeyKind::Publishable => KeyKind::Secret,
        KeyKind::Secret => KeyKind::Publishable,
    };
    if raw.starts_with(other.prefix()) {
        let detail = match expected {
            KeyKind::Publishable => {
                "a secret key (sk_…) was sent where the publishable key (pk_…) belongs; never ship the secret key in an app"
            }
            KeyKind::Secret => "this endpoint needs the secret key (sk_…), not the publishable key",
        };
        return Err(Error::new(ErrorCode::InvalidApiKey, detail));
    }
    let invalid = || {
        Error::new(
            ErrorCode::InvalidApiKey,
            "the API key is not valid or has been revoked",
        )
    };
    let rest = raw.strip_prefix(expected.prefix()).ok_or_else(invalid)?;
    if rest.len() != KEY_ID_LEN + KEY_SECRET_LEN || !rest.is_ascii() {
        return Err(invalid());
    }
    let key_id = &rest[..KEY_ID_LEN];
    // Every authenticated request starts here: the key and its tenant come from this node's
    // cache, which every write to a tenant or its keys clears (on every node).
    let known = ctx
        .realtime
        .caches
        .keys
        .get_or_load("", key_id, async || {
            load_key(ctx, key_id)
                .await?
                .map(Arc::new)
                .ok_or_else(invalid)
        })
        .await?;
    let key = &known.key;
    let matches: bool = sha256_hex(raw)
        .as_bytes()
        .ct_eq(key.secret_hash.as_bytes())
        .into();
    if !matches || key.revoked_at.is_some() || KeyKind::from_db(&key.kind) != expected {
        return Err(invalid());
    }
    if known.tenant.model.disabled {
        return Err(Error::new(
            ErrorCode::TenantDisabled,
            "this tenant has been disabled by the operator",
        ));
    }
    if ctx.key_usage.due(key_id) {
        let mut am: api_key::ActiveModel = key.clone().into();
        am.last_used_at = Set(Some(Utc::now()));
        if let Err(e) = am.update(&ctx.db).await {
            tracing::warn!(error = %e, "could not record key usage");
        }
    }
    Ok((known.tenant.clone(), key_id.to_owned()))
}

/// What signing in checks of a user, as this node caches it.
#[derive(Debug, Clone)]
pub struct KnownUser {
    pub role: UserRole,
    pub deactivated: bool,
}

/// Every ban of a user (all scopes, lifted-by-time ones included: check `is_active`), from
/// this node's cache.
pub async fn bans_of(
    ctx: &Parley,
    tenant: &str,
    user: &str,
) -> Result<Arc<Vec<crate::entities::ban::Model>>> {
    ctx.realtime
        .caches
        .bans
        .get_or_load(tenant, user, async || read_bans(ctx, tenant, user).await)
        .await
}

/// Every ban of a user, read from the connections that see every commit.
async fn read_bans(
    ctx: &Parley,
    tenant: &str,
    user: &str,
) -> Result<Arc<Vec<crate::entities::ban::Model>>> {
    use crate::entities::ban;
    use sea_orm::{ColumnTrait, QueryFilter};
    let rows = ban::Entity::find()
        .filter(ban::Column::TenantId.eq(tenant))
        .filter(ban::Column::UserId.eq(user))
        .all(ctx.fresh_reads())
        .await?;
    Ok(Arc::new(rows))
}

/// A user's row and every ban of theirs, in one statement. A user seen for the first time is
/// created, and their bans (set before they ever signed in) read after.
async fn load_signing_in(
    ctx: &Parley,
    tenant: &TenantId,
    id: &UserId,
    name: Option<&str>,
) -> Result<(KnownUser, Arc<Vec<crate::entities::ban::Model>>)> {
    use crate::entities::ban;
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    let rows = user::Entity::find_by_id((tenant.as_str().to_owned(), id.as_str().to_owned()))
        .select_also(ban::Entity)
        .join(JoinType::LeftJoin, ban::Relation::User.def().rev())
        .all(ctx.fresh_reads())
        .await?;
    let known = |m: &user::Model| KnownUser {
        role: UserRole::from_db(&m.role),
        deactivated: m.deactivated_at.is_some(),
    };
    let Some((row, _)) = rows.first() else {
        let created = create_named_user(ctx, tenant, id, name).await?;
        let bans = read_bans(ctx, tenant.as_str(), id.as_str()).await?;
        return Ok((known(&created), bans));
    };
    let user = known(row);
    let bans = rows.into_iter().filter_map(|(_, ban)| ban).collect();
    Ok((user, Arc::new(bans)))
}

/// A key with its tenant, as [`authenticate_key`] checks them; the tenant's token signing
/// secrets are opened (they are sealed at rest).
#[derive(Debug)]
pub struct KnownKey {
    pub key: api_key::Model,
    pub tenant: TenantCtx,
}

/// Reads a key and its tenant in one statement; `None` when either is missing.
async fn load_key(ctx: &Parley, key_id: &str) -> Result<Option<KnownKey>> {
    let Some((key, Some(tenant))) = api_key::Entity::find_by_id(key_id.to_owned())
        .find_also_related(tenant::Entity)
        .one(&ctx.reads)
        .await?
    else {
        return Ok(None);
    };
    let signing = SigningSecrets {
        current: SecretString::from(ctx.secrets.open_or_plain(&tenant.signing_secret)?),
        previous: match &tenant.signing_secret_prev {
            Some(prev) => Some(SecretString::from(ctx.secrets.open_or_plain(prev)?)),
            None => None,
        },
    };
    let mut tenant = TenantCtx::from_model(tenant);
    tenant.signing = Some(signing);
    Ok(Some(KnownKey { key, tenant }))
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

/// How far a token's `iat` and `nbf` may lie in the future: the clocks of the tenant's servers
/// and Parley's differ a little.
const CLOCK_SKEW_S: i64 = 60;

/// Mints a user token valid for `ttl_s` seconds.
pub fn mint_token(
    tenant: &TenantCtx,
    user: &UserId,
    ttl_s: u64,
) -> Result<(String, chrono::DateTime<Utc>)> {
    let now = Utc::now();
    let exp = now + chrono::Duration::seconds(i64::try_from(ttl_s).unwrap_or(i64::MAX / 2));
    let claims = Claims {
        sub: Some(user.as_str().to_owned()),
        user_id: None,
        exp: exp.timestamp(),
        iat: Some(now.timestamp()),
        nbf: None,
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(tenant.signing()?.current.expose_secret().as_bytes()),
    )
    .map_err(Error::internal)?;
    Ok((token, exp))
}

/// The user a verified token names, with the name it gives them, if any (set when the token
/// creates the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUser {
    pub id: UserId,
    pub name: Option<String>,
}

/// The ways a user token is verified: with the tenant's signing secret (the tokens it mints
/// itself), or with the published keys of one of its OIDC issuers. Each way answers the user
/// the token names, or a 401; `authenticate_user` asks the one the token's `iss` chooses and
/// knows nothing of signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenVerifier<'a> {
    /// HS256 tokens signed with the tenant's signing secret (see [`mint_token`]).
    TenantSecret,
    /// Tokens whose `iss` is one of the tenant's OIDC issuers (`settings.oidc_issuers`).
    Oidc(&'a OidcIssuer),
}

impl<'a> TokenVerifier<'a> {
    /// The verifier for one token: the tenant's OIDC issuer its `iss` names, else the
    /// tenant's secret. `iss` is read before any check only to choose; the chosen way checks
    /// it again, so a token cannot pick a weaker way (an HS256 token naming an OIDC issuer
    /// is verified with that issuer's keys, and fails).
    pub fn for_token(tenant: &'a TenantCtx, token: &str) -> Self {
        #[derive(Deserialize)]
        struct Issuer {
            iss: Option<String>,
        }
        if tenant.settings.oidc_issuers.is_empty() {
            return Self::TenantSecret;
        }
        jsonwebtoken::dangerous::insecure_decode_claims::<Issuer>(token)
            .ok()
            .and_then(|claims| claims.iss)
            .and_then(|iss| tenant.settings.oidc_issuer(&iss))
            .map_or(Self::TenantSecret, Self::Oidc)
    }

    pub async fn verify(
        self,
        ctx: &Parley,
        tenant: &TenantCtx,
        token: &str,
    ) -> Result<VerifiedUser> {
        match self {
            Self::TenantSecret => Ok(VerifiedUser {
                id: verify_token(tenant, token)?,
                name: None,
            }),
            Self::Oidc(issuer) => oidc::verify(ctx, issuer, token).await,
        }
    }
}

/// Verifies a user token: HS256 only, `exp` required, signed with the tenant's current
/// secret or, until its grace period ends, the previous one.
pub fn verify_token(tenant: &TenantCtx, token: &str) -> Result<UserId> {
    let bad = |detail: &str| Error::new(ErrorCode::InvalidToken, detail.to_owned());
    let header =
        jsonwebtoken::decode_header(token).map_err(|_| bad("the user token is not a JWT"))?;
    if header.alg != Algorithm::HS256 {
        return Err(bad(
            "the user token must be signed with HS256, unless its `iss` is one of the app's \
             OIDC issuers (`settings.oidc_issuers`)",
        ));
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 5;
    validation.set_required_spec_claims(&["exp"]);
    // `nbf` is checked below with the same allowance as `iat`.
    validation.validate_nbf = false;
    let try_secret = |secret: &str| {
        jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(secret.as_bytes()),
            &validation,
        )
    };
    let secrets = tenant.signing()?;
    let claims = match try_secret(secrets.current.expose_secret()) {
        Ok(data) => data.claims,
        Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature) => {
            let prev_valid = tenant
                .model
                .signing_secret_prev_until
                .is_some_and(|until| until > Utc::now());
            match (&secrets.previous, prev_valid) {
                (Some(prev), true) => {
                    try_secret(prev.expose_secret())
                        .map_err(|e| token_error(&e))?
                        .claims
                }
                _ => return Err(token_error(&e)),
            }
        }
        Err(e) => return Err(token_error(&e)),
    };
    check_not_before(claims.nbf, claims.iat, Utc::now().timestamp())?;
    let user = claims
        .sub
        .or(claims.user_id)
        .ok_or_else(|| bad("the user token names no user (`sub`)"))?;
    UserId::parse("sub", &user).map_err(|e| bad(&e.detail))
}

/// A token is not valid before its `nbf`, nor when it claims to be issued in the future
/// (`iat`), give or take [`CLOCK_SKEW_S`].
fn check_not_before(nbf: Option<i64>, iat: Option<i64>, now: i64) -> Result<()> {
    let early = |claim: &str, at: i64| {
        Error::new(
            ErrorCode::InvalidToken,
            format!(
                "the user token is not valid yet: its `{claim}` is {}s ahead of the server's clock",
                at - now
            ),
        )
    };
    if let Some(nbf) = nbf
        && nbf > now + CLOCK_SKEW_S
    {
        return Err(early("nbf", nbf));
    }
    if let Some(iat) = iat
        && iat > now + CLOCK_SKEW_S
    {
        return Err(early("iat", iat));
    }
    Ok(())
}

fn token_error(e: &jsonwebtoken::errors::Error) -> Error {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => Error::new(
            ErrorCode::TokenExpired,
            "the user token has expired; mint a new one",
        ),
        ErrorKind::InvalidSignature => Error::new(
            ErrorCode::InvalidToken,
            "the user token's signature does not match",
        ),
        ErrorKind::MissingRequiredClaim(c) => Error::new(
            ErrorCode::InvalidToken,
            format!("the user token lacks the `{c}` claim"),
        ),
        _ => Error::new(ErrorCode::InvalidToken, "the user token is not valid"),
    }
}

/// Authenticates an end user: publishable key + user token. A user seen for the first
/// time is created (tokens may be minted before the user exists).
pub async fn authenticate_user(ctx: &Parley, api_key: &str, token: &str) -> Result<Caller> {
    let (tenant, key_id) = authenticate_key_id(ctx, api_key, KeyKind::Publishable).await?;
    let verified = TokenVerifier::for_token(&tenant, token)
        .verify(ctx, &tenant, token)
        .await?;
    let user_id = verified.id;
    // The user's row and bans come from this node's caches, which every write to them
    // clears (on every node).
    let (user, bans) = ctx
        .realtime
        .caches
        .signing_in(tenant.id.as_str(), user_id.as_str(), async || {
            load_signing_in(ctx, &tenant.id, &user_id, verified.name.as_deref()).await
        })
        .await?;
    if user.deactivated {
        return Err(Error::new(
            ErrorCode::UserDeactivated,
            "this user has been deactivated",
        ));
    }
    let now = ctx.now();
    let app_ban = bans
        .iter()
        .find(|b| b.cid == crate::entities::ban::APP && b.is_active(now) && !b.shadow);
    // A shadow ban lets the user in: they must not notice it.
    if let Some(ban) = app_ban {
        return Err(Error::new(
            ErrorCode::UserBanned,
            crate::model::ban::Ban::from(ban.clone()).refusal_detail(),
        ));
    }
    Ok(Caller {
        tenant,
        actor: Actor::User(SessionUser {
            id: user_id,
            role: user.role,
        }),
        key_id: Some(key_id),
        request: crate::kernel::request::RequestInfo::default(),
    })
}

/// Authenticates the tenant server by its secret key.
pub async fn authenticate_server(ctx: &Parley, secret_key: &str) -> Result<Caller> {
    let (tenant, key_id) = authenticate_key_id(ctx, secret_key, KeyKind::Secret).await?;
    Ok(Caller {
        tenant,
        actor: Actor::Server,
        key_id: Some(key_id),
        request: crate::kernel::request::RequestInfo::default(),
    })
}

/// The operator token: from configuration, or generated on first start and kept in
/// `$DATA_DIR/admin-token` (mode 0600). Returns the token and, when it lives in a file, the path.
pub fn ensure_admin_token(
    config: &crate::kernel::config::Config,
) -> Result<(SecretString, Option<PathBuf>)> {
    if let Some(token) = &config.admin_token {
        return Ok((token.clone(), None));
    }
    let path = config.data_dir.join("admin-token");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if !existing.is_empty() {
            return Ok((SecretString::from(existing), Some(path)));
        }
    }
    crate::kernel::config::create_data_dir(&config.data_dir)?;
    let token = format!("adm_{}", random_string(40));
    write_private(&path, &token)
        .map_err(|e| Error::invalid(format!("cannot write {}: {e}", path.display())))?;
    Ok((SecretString::from(token), Some(path)))
}

/// Constant-time check of the operator token.
pub fn verify_admin_token(expected: &SecretString, given: &str) -> Result<()> {
    let ok: bool = expected
        .expose_secret()
        .as_bytes()
        .ct_eq(given.as_bytes())
        .into();
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::InvalidAdminToken,
            "the operator token is not valid",
        ))
    }
}

/// Creates the user if it does not exist yet and returns it: a user comes into being the
/// first time a verified caller names them (a token, a member added, a message sent as them).
pub async fn ensure_user(ctx: &Parley, tenant: &TenantId, id: &UserId) -> Result<user::Model> {
    ensure_named_user(ctx, tenant, id, None).await
}

/// [`ensure_user`], giving a user it creates `name` (from the claims of an identity
/// provider's token); an existing user keeps theirs.
pub async fn ensure_named_user(
    ctx: &Parley,
    tenant: &TenantId,
    id: &UserId,
    name: Option<&str>,
) -> Result<user::Model> {
    if let Some(found) =
        user::Entity::find_by_id((tenant.as_str().to_owned(), id.as_str().to_owned()))
            .one(&ctx.reads)
            .await?
    {
        return Ok(found);
    }
    create_named_user(ctx, tenant, id, name).await
}

/// Creates the user `id`, named `name`, unless it was created meanwhile, and returns it.
async fn create_named_user(
    ctx: &Parley,
    tenant: &TenantId,
    id: &UserId,
    name: Option<&str>,
) -> Result<user::Model> {
    let now = Utc::now();
    let am = user::ActiveModel {
        tenant_id: Set(tenant.as_str().to_owned()),
        id: Set(id.as_str().to_owned()),
        name: Set(name.map(str::to_owned)),
        // Searched the way `users` stores it: lowercased.
        search_name: Set(name.map(str::to_lowercase)),
        image: Set(None),
        role: Set(UserRole::User.as_str().to_owned()),
        custom: Set(serde_json::json!({})),
        deactivated_at: Set(None),
        last_active_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    user::Entity::insert(am)
        .on_conflict_do_nothing()
        .exec_without_returning(&ctx.db)
        .await?;
    user::Entity::find_by_id((tenant.as_str().to_owned(), id.as_str().to_owned()))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::internal("a user just created could not be read"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant_with_secret(secret: &str) -> TenantCtx {
        let now = Utc::now();
        let mut t = TenantCtx::from_model(tenant::Model {
            id: "t1".into(),
            name: "Acme".into(),
            disabled: false,
            settings: serde_json::json!({}),
            signing_secret: "v1.sealed-at-rest".into(),
            signing_secret_prev: None,
            signing_secret_prev_until: None,
            hook_secret: None,
            created_at: now,
            updated_at: now,
        });
        t.signing = Some(SigningSecrets {
            current: SecretString::from(secret.to_owned()),
            previous: None,
        });
        t
    }

    #[test]
    fn a_caller_never_prints_its_signing_secret() {
        let caller = Caller {
            tenant: tenant_with_secret("the-opened-signing-secret"),
            actor: Actor::Server,
            key_id: Some("k1".into()),
            request: crate::kernel::request::RequestInfo::default(),
        };
        let printed = format!("{caller:?} {caller:#?}");
        assert!(!printed.contains("the-opened-signing-secret"), "{printed}");
    }

    #[test]
    fn minted_tokens_verify_with_the_opened_secret() {
        let t = tenant_with_secret("the-opened-signing-secret");
        let user = UserId::parse("user_id", "alice").unwrap();
        let (token, _) = mint_token(&t, &user, 60).unwrap();
        assert_eq!(verify_token(&t, &token).unwrap().as_str(), "alice");
        // A tenant loaded without its secrets (e.g. for a view) cannot mint.
        let bare = TenantCtx::from_model(t.model.clone());
        assert_eq!(
            mint_token(&bare, &user, 60).unwrap_err().code,
            ErrorCode::Internal
        );
    }
}
