//! Tenants (the businesses on this Parley), their keys and their app settings.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde_json::json;

use crate::audit::{self, AuditAction, Change, TargetKind, Who};
use crate::authn::{KeyKind, TenantCtx, generate_key};
use crate::authz::Permit;
use crate::entities::owned::{self, Owner};
use crate::entities::{api_key, tenant};
use crate::kernel::crypto::random_string;
use crate::kernel::ids::TenantId;
use crate::kernel::page::{self, Page};
use crate::model::tenant::TenantSettings;
use crate::realtime::cache::Stale;
use crate::realtime::revoke::{Revocation, Why};
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};
pub use parley_wire::tenants::{
    ApiKey, App, AppPatch, CreatedKey, CreatedTenant, NewKey, NewTenant, Tenant, TenantPatch,
};

impl From<tenant::Model> for Tenant {
    fn from(m: tenant::Model) -> Self {
        Self {
            settings: serde_json::from_value(m.settings).unwrap_or_default(),
            id: m.id,
            name: m.name,
            disabled: m.disabled,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<api_key::Model> for ApiKey {
    fn from(m: api_key::Model) -> Self {
        let kind = KeyKind::from_db(&m.kind);
        Self {
            prefix: format!("{}{}", kind.prefix(), &m.id),
            id: m.id,
            kind,
            name: m.name,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
        }
    }
}

fn parse_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("`name` must be 1 to 200 characters"));
    }
    Ok(name.to_owned())
}

async fn check_settings(ctx: &Parley, s: &TenantSettings) -> Result<()> {
    if let Some(n) = s.max_message_length {
        let cap = ctx.config.limits.max_message_length_cap;
        if n == 0 || n > cap {
            return Err(Error::invalid(format!(
                "`settings.max_message_length` must be between 1 and {cap}"
            )));
        }
    }
    if let Some(hook) = &s.before_send {
        crate::integrations::hooks::check(ctx, hook)?;
    }
    crate::media::check_settings(s)?;
    if let Some(origins) = &s.allowed_origins {
        check_origins(origins)?;
    }
    crate::authn::oidc::check_issuers(ctx, &s.oidc_issuers).await
}

/// Each allowed origin is `scheme://host[:port]` as browsers send it, or `*` alone.
fn check_origins(origins: &[String]) -> Result<()> {
    const MAX: usize = 100;
    if origins.len() > MAX {
        return Err(Error::invalid(format!(
            "`settings.allowed_origins` may list at most {MAX} origins"
        )));
    }
    if origins.iter().any(|o| o == "*") && origins.len() > 1 {
        return Err(Error::invalid(
            "`settings.allowed_origins`: `*` allows every origin and stands alone",
        ));
    }
    for (i, o) in origins.iter().enumerate().filter(|(_, o)| *o != "*") {
        match crate::model::tenant::normalize_origin(o) {
            Some(n) if n == *o => {}
            Some(n) => {
                return Err(Error::invalid(format!(
                    "`settings.allowed_origins[{i}]`: write `{o}` as `{n}`"
                )));
            }
            None => {
                return Err(Error::invalid(format!(
                    "`settings.allowed_origins[{i}]`: `{o}` is not an origin \
                     (`https://host` or `http://host:port`, no path)"
                )));
            }
        }
    }
    Ok(())
}

async fn insert_key<C: ConnectionTrait>(
    db: &C,
    tenant_id: &str,
    kind: KeyKind,
    name: Option<String>,
) -> Result<CreatedKey> {
    let issued = generate_key(kind);
    let model = api_key::ActiveModel {
        id: Set(issued.id),
        tenant_id: Set(tenant_id.to_owned()),
        kind: Set(kind.as_str().to_owned()),
        name: Set(name),
        secret_hash: Set(issued.hash),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(CreatedKey {
        info: model.into(),
        key: issued.full,
    })
}

pub async fn create(ctx: &Parley, who: &Who, input: NewTenant) -> Result<CreatedTenant> {
    let name = parse_name(&input.name)?;
    let settings = input.settings.unwrap_or_default();
    check_settings(ctx, &settings).await?;
    let now = Utc::now();
    let signing_secret = random_string(48);
    let work = UnitOfWork::begin(ctx, &Permit::operator()).await?;
    let model = tenant::ActiveModel {
        id: Set(TenantId::generate().into_string()),
        name: Set(name),
        disabled: Set(false),
        settings: Set(serde_json::to_value(&settings)?),
        signing_secret: Set(ctx.secrets.seal(&signing_secret)?),
        signing_secret_prev: Set(None),
        signing_secret_prev_until: Set(None),
        hook_secret: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*work)
    .await?;
    let pk = insert_key(
        &*work,
        &model.id,
        KeyKind::Publishable,
        Some("default".into()),
    )
    .await?;
    let sk = insert_key(&*work, &model.id, KeyKind::Secret, Some("default".into())).await?;
    let change = Change::new(AuditAction::TenantCreated, TargetKind::Tenant, &model.id)
        .with(json!({ "settings": audit::changed_fields(&json!({}), &model.settings) }));
    audit::record(&*work, ctx, &model.id, who, change).await?;
    work.commit().await?;
    Ok(CreatedTenant {
        signing_secret,
        tenant: model.into(),
        publishable_key: pk.key,
        secret_key: sk.key,
    })
}

pub async fn list(ctx: &Parley, limit: Option<u64>, cursor: Option<&str>) -> Result<Page<Tenant>> {
    let limit = page::limit(limit)?;
    let mut q = tenant::Entity::find().order_by_asc(tenant::Column::Id);
    if let Some(c) = cursor {
        q = q.filter(tenant::Column::Id.gt(page::decode_cursor(c)?));
    }
    let mut rows = q.limit(limit + 1).all(&ctx.db).await?;
    let next = page::next_cursor(&mut rows, limit, |t| t.id.clone());
    Ok(Page {
        items: rows.into_iter().map(Tenant::from).collect(),
        next_cursor: next,
    })
}

async fn find(ctx: &Parley, id: &str) -> Result<tenant::Model> {
    tenant::Entity::find_by_id(id.to_owned())
        .one(&ctx.db)
        .await?
        .ok_or_else(|| Error::new(ErrorCode::TenantNotFound, format!("no tenant `{id}`")))
}

pub async fn get(ctx: &Parley, id: &str) -> Result<Tenant> {
    Ok(find(ctx, id).await?.into())
}

pub async fn update(ctx: &Parley, who: &Who, id: &str, patch: TenantPatch) -> Result<Tenant> {
    let model = find(ctx, id).await?;
    let had_hook_secret = model.hook_secret.is_some();
    let old_settings = model.settings.clone();
    let mut fields = Vec::new();
    let mut am: tenant::ActiveModel = model.into();
    if let Some(name) = patch.name {
        am.name = Set(parse_name(&name)?);
        fields.push("name");
    }
    if let Some(disabled) = patch.disabled {
        am.disabled = Set(disabled);
        fields.push("disabled");
    }
    let mut settings_changed = Vec::new();
    if let Some(settings) = patch.settings {
        let (changed, hook_secret) =
            set_settings(ctx, &mut am, &old_settings, had_hook_secret, &settings).await?;
        if let Some(secret) = hook_secret {
            // The tenant reads it by rotating it (`PATCH /v1/app`).
            am.hook_secret = Set(Some(ctx.secrets.seal(&secret)?));
        }
        settings_changed = changed;
        fields.push("settings");
    }
    let change = Change::new(AuditAction::TenantUpdated, TargetKind::Tenant, id)
        .with(json!({ "fields": fields, "settings": settings_changed }));
    let updated = save_audited(ctx, am, who, id, change).await?;
    if patch.disabled == Some(true) {
        ctx.realtime
            .revoke(Revocation::tenant(id, Why::TenantDisabled));
    }
    Ok(updated.into())
}

/// Checks new settings and sets them on `am`. Returns the names of the settings that changed
/// and, when a before-send hook is set for the first time, the secret its calls will be
/// signed with (in clear; the caller seals it).
async fn set_settings(
    ctx: &Parley,
    am: &mut tenant::ActiveModel,
    old: &serde_json::Value,
    had_hook_secret: bool,
    settings: &TenantSettings,
) -> Result<(Vec<String>, Option<String>)> {
    check_settings(ctx, settings).await?;
    let mut hook_secret = None;
    if let Some(hook) = &settings.before_send {
        ctx.outbound.check_url(&hook.url).await?;
        if !had_hook_secret {
            hook_secret = Some(crate::integrations::outbound::new_signing_secret());
        }
    }
    let new = serde_json::to_value(settings)?;
    let changed = audit::changed_fields(old, &new);
    am.settings = Set(new);
    Ok((changed, hook_secret))
}

/// Saves a tenant's change with its audit entry, in one transaction.
async fn save_audited(
    ctx: &Parley,
    mut am: tenant::ActiveModel,
    who: &Who,
    tenant_id: &str,
    change: Change<'_>,
) -> Result<tenant::Model> {
    am.updated_at = Set(Utc::now());
    let txn = ctx.db.begin().await?;
    let saved = am.update(&txn).await?;
    audit::record(&txn, ctx, tenant_id, who, change).await?;
    txn.commit().await?;
    ctx.realtime.forget(Stale::tenant(tenant_id));
    Ok(saved)
}

/// Deletes the tenant and everything it owns.
pub async fn delete(ctx: &Parley, who: &Who, id: &str) -> Result<()> {
    find(ctx, id).await?;
    let mut work = UnitOfWork::begin(ctx, &Permit::operator()).await?;
    let change = Change::new(AuditAction::TenantDeleted, TargetKind::Tenant, id);
    audit::record(&*work, ctx, id, who, change).await?;
    let objects = crate::media::remove_uploads(&*work, id, crate::media::UploadsOf::Tenant).await?;
    owned::erase(&*work, id, Owner::Tenant).await?;
    tenant::Entity::delete_by_id(id.to_owned())
        .exec(&*work)
        .await?;
    work.revoke_after(Revocation::tenant(id, Why::TenantDeleted));
    work.forget_after(Stale::tenant(id));
    if !objects.is_empty() {
        work.jobs_queued();
    }
    work.commit().await?;
    Ok(())
}

pub async fn create_key(
    ctx: &Parley,
    who: &Who,
    tenant_id: &str,
    input: NewKey,
) -> Result<CreatedKey> {
    find(ctx, tenant_id).await?;
    let name = input.name.map(|n| parse_name(&n)).transpose()?;
    let txn = ctx.db.begin().await?;
    let created = insert_key(&txn, tenant_id, input.kind, name).await?;
    let change = Change::new(AuditAction::KeyCreated, TargetKind::Key, &created.info.id)
        .with(json!({ "kind": input.kind.as_str() }));
    audit::record(&txn, ctx, tenant_id, who, change).await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn list_keys(ctx: &Parley, tenant_id: &str) -> Result<Vec<ApiKey>> {
    find(ctx, tenant_id).await?;
    let rows = api_key::Entity::find()
        .filter(api_key::Column::TenantId.eq(tenant_id))
        .order_by_asc(api_key::Column::CreatedAt)
        .all(&ctx.db)
        .await?;
    Ok(rows.into_iter().map(ApiKey::from).collect())
}

/// Revokes a key at once; revoking twice is harmless (and audited once).
pub async fn revoke_key(ctx: &Parley, who: &Who, tenant_id: &str, key_id: &str) -> Result<()> {
    let txn = ctx.db.begin().await?;
    let res = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_key::Column::TenantId.eq(tenant_id))
        .filter(api_key::Column::Id.eq(key_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        let exists = api_key::Entity::find()
            .filter(api_key::Column::TenantId.eq(tenant_id))
            .filter(api_key::Column::Id.eq(key_id))
            .one(&txn)
            .await?;
        if exists.is_none() {
            return Err(Error::new(
                ErrorCode::KeyNotFound,
                format!("no key `{key_id}` in this tenant"),
            ));
        }
    } else {
        let change = Change::new(AuditAction::KeyRevoked, TargetKind::Key, key_id);
        audit::record(&txn, ctx, tenant_id, who, change).await?;
    }
    txn.commit().await?;
    ctx.realtime.forget(Stale::tenant(tenant_id));
    ctx.realtime.revoke(Revocation::key(tenant_id, key_id));
    Ok(())
}

fn app_view(
    ctx: &Parley,
    model: tenant::Model,
    signing_secret: Option<String>,
    before_send_secret: Option<String>,
) -> App {
    let t = TenantCtx::from_model(model);
    App {
        max_message_length: t.max_message_length(&ctx.config.limits),
        id: t.model.id,
        name: t.model.name,
        settings: t.settings,
        previous_signing_secret_valid_until: t
            .model
            .signing_secret_prev_until
            .filter(|u| *u > Utc::now()),
        signing_secret,
        before_send_secret,
    }
}

pub fn get_app(ctx: &Parley, tenant: &TenantCtx) -> App {
    app_view(ctx, tenant.model.clone(), None, None)
}

pub async fn patch_app(
    ctx: &Parley,
    who: &Who,
    tenant: &TenantCtx,
    patch: AppPatch,
) -> Result<App> {
    let model = find(ctx, tenant.id.as_str()).await?;
    let old_secret = model.signing_secret.clone();
    let had_hook_secret = model.hook_secret.is_some();
    let old_settings = model.settings.clone();
    let mut fields = Vec::new();
    let mut am: tenant::ActiveModel = model.into();
    if let Some(name) = patch.name {
        am.name = Set(parse_name(&name)?);
        fields.push("name");
    }
    let mut hook_secret = None;
    let mut settings_changed = Vec::new();
    if let Some(settings) = patch.settings {
        (settings_changed, hook_secret) =
            set_settings(ctx, &mut am, &old_settings, had_hook_secret, &settings).await?;
        fields.push("settings");
    }
    let mut new_secret = None;
    if patch.rotate_signing_secret {
        let secret = random_string(48);
        let grace = i64::try_from(ctx.config.limits.max_token_ttl_s).unwrap_or(i64::MAX / 2);
        am.signing_secret = Set(ctx.secrets.seal(&secret)?);
        am.signing_secret_prev = Set(Some(old_secret));
        am.signing_secret_prev_until = Set(Some(Utc::now() + chrono::Duration::seconds(grace)));
        new_secret = Some(secret);
        fields.push("rotate_signing_secret");
    }
    if patch.rotate_before_send_secret {
        hook_secret = Some(crate::integrations::outbound::new_signing_secret());
        fields.push("rotate_before_send_secret");
    }
    if let Some(s) = &hook_secret {
        am.hook_secret = Set(Some(ctx.secrets.seal(s)?));
    }
    let change = Change::new(
        AuditAction::AppUpdated,
        TargetKind::Tenant,
        tenant.id.as_str(),
    )
    .with(json!({ "fields": fields, "settings": settings_changed }));
    let model = save_audited(ctx, am, who, tenant.id.as_str(), change).await?;
    Ok(app_view(ctx, model, new_secret, hook_secret))
}

#[cfg(test)]
mod tests {
    use crate::entities::owned::TABLES;
    use crate::outbox::JobKind;

    /// A tenant's delete keeps the outbox rows that delete its stored objects; the registry
    /// names them by the job kind's stored name.
    #[test]
    fn the_registry_keeps_the_object_deletes() {
        let outbox = TABLES.iter().find(|t| t.table == "outbox").unwrap();
        assert_eq!(
            outbox.tenant_keeps,
            Some(format!("kind = '{}'", JobKind::ObjectDelete.as_str()).as_str())
        );
    }
}
