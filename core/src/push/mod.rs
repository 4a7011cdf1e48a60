//! Push notifications, the tenant's side: users' devices, the APNs and FCM credentials
//! (sealed with the master key, never returned), and the mutes push respects. Sending is the
//! worker's.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::authn::Caller;
use crate::entities::{device, member, push_credential, user_mute};
use crate::kernel::ids::{Cid, UserId};
use crate::kernel::page::Page;
use crate::{Error, ErrorCode, Parley, Result};
pub use parley_wire::push::{
    ApnsInfo, ApnsInput, Device, FcmInfo, FcmInput, Mute, NewDevice, Provider, PushConfig,
};

/// Devices one user may register; the oldest goes when a new one comes.
pub const MAX_DEVICES_PER_USER: usize = 25;

impl From<device::Model> for Device {
    fn from(d: device::Model) -> Self {
        Self {
            provider: Provider::from_db(&d.provider),
            token: d.token,
            user_id: d.user_id,
            created_at: d.created_at,
        }
    }
}

fn parse_token(provider: Provider, token: &str) -> Result<String> {
    let token = token.trim();
    let ok = match provider {
        Provider::Apns => {
            (32..=200).contains(&token.len()) && token.chars().all(|c| c.is_ascii_hexdigit())
        }
        Provider::Fcm => {
            (20..=4096).contains(&token.len())
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c))
        }
    };
    if !ok {
        return Err(Error::invalid(match provider {
            Provider::Apns => "`token` must be an APNs device token (hex)",
            Provider::Fcm => "`token` must be an FCM registration token",
        }));
    }
    Ok(token.to_owned())
}

/// Registers a device for the user; a token already registered moves to this user (a phone
/// changes hands when someone else logs in). Answers whether it was new.
pub async fn register(ctx: &Parley, caller: &Caller, input: NewDevice) -> Result<(Device, bool)> {
    let user = caller.acting_user(input.user_id.as_deref())?;
    let tenant = caller.tenant_id();
    let token = parse_token(input.provider, &input.token)?;
    crate::authn::ensure_user(ctx, &caller.tenant.id, &user).await?;
    let existing = device::Entity::find_by_id((tenant.to_owned(), token.clone()))
        .one(&ctx.db)
        .await?;
    let created = existing.is_none();
    let now = Utc::now();
    device::Entity::insert(device::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        token: Set(token.clone()),
        provider: Set(input.provider.as_str().to_owned()),
        user_id: Set(user.as_str().to_owned()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([device::Column::TenantId, device::Column::Token])
            .update_columns([
                device::Column::Provider,
                device::Column::UserId,
                device::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&ctx.db)
    .await?;
    let mut devices = devices_of(ctx, tenant, user.as_str()).await?;
    // Oldest first, as `devices_of` lists them.
    if devices.len() > MAX_DEVICES_PER_USER {
        let extra = devices.len() - MAX_DEVICES_PER_USER;
        for old in devices.drain(..extra) {
            device::Entity::delete_by_id((old.tenant_id, old.token))
                .exec(&ctx.db)
                .await?;
        }
    }
    let device = Device {
        provider: input.provider,
        token,
        user_id: user.into_string(),
        created_at: now,
    };
    Ok((device, created))
}

/// The devices of a user.
pub async fn devices_of(ctx: &Parley, tenant: &str, user: &str) -> Result<Vec<device::Model>> {
    Ok(device::Entity::find()
        .filter(device::Column::TenantId.eq(tenant))
        .filter(device::Column::UserId.eq(user))
        .order_by_asc(device::Column::CreatedAt)
        .all(&ctx.db)
        .await?)
}

pub async fn list_devices(
    ctx: &Parley,
    caller: &Caller,
    user_id: Option<&str>,
) -> Result<Page<Device>> {
    let user = caller.acting_user(user_id)?;
    Ok(Page {
        items: devices_of(ctx, caller.tenant_id(), user.as_str())
            .await?
            .into_iter()
            .map(Device::from)
            .collect(),
        next_cursor: None,
    })
}

pub async fn delete_device(
    ctx: &Parley,
    caller: &Caller,
    token: &str,
    user_id: Option<&str>,
) -> Result<()> {
    let tenant = caller.tenant_id();
    let mut q = device::Entity::delete_many()
        .filter(device::Column::TenantId.eq(tenant))
        .filter(device::Column::Token.eq(token));
    if !caller.is_privileged() || user_id.is_some() {
        let user = caller.acting_user(user_id)?;
        q = q.filter(device::Column::UserId.eq(user.as_str()));
    }
    let res = q.exec(&ctx.db).await?;
    if res.rows_affected == 0 {
        return Err(Error::new(ErrorCode::DeviceNotFound, "no such device"));
    }
    Ok(())
}

/// Removes a token the push service said is dead.
pub async fn forget_token(ctx: &Parley, tenant: &str, token: &str) -> Result<()> {
    device::Entity::delete_many()
        .filter(device::Column::TenantId.eq(tenant))
        .filter(device::Column::Token.eq(token))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

fn non_empty(field: &str, v: &str) -> Result<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(Error::invalid(format!("`{field}` must not be empty")));
    }
    Ok(v.to_owned())
}

async fn save(
    ctx: &Parley,
    tenant: &str,
    provider: Provider,
    settings: serde_json::Value,
    secret: &str,
) -> Result<()> {
    push_credential::Entity::insert(push_credential::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        provider: Set(provider.as_str().to_owned()),
        settings: Set(settings),
        secret: Set(ctx.secrets.seal(secret)?),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            push_credential::Column::TenantId,
            push_credential::Column::Provider,
        ])
        .update_columns([
            push_credential::Column::Settings,
            push_credential::Column::Secret,
            push_credential::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&ctx.db)
    .await?;
    Ok(())
}

pub async fn put_apns(ctx: &Parley, tenant: &str, input: ApnsInput) -> Result<PushConfig> {
    let info = ApnsInfo {
        key_id: non_empty("key_id", &input.key_id)?,
        team_id: non_empty("team_id", &input.team_id)?,
        bundle_id: non_empty("bundle_id", &input.bundle_id)?,
        sandbox: input.sandbox,
    };
    jsonwebtoken::EncodingKey::from_ec_pem(input.p8_key.trim().as_bytes()).map_err(|_| {
        Error::invalid("`p8_key` must be the PEM text of an APNs .p8 key (an EC P-256 key)")
    })?;
    save(
        ctx,
        tenant,
        Provider::Apns,
        serde_json::to_value(&info)?,
        input.p8_key.trim(),
    )
    .await?;
    config(ctx, tenant).await
}

pub async fn put_fcm(ctx: &Parley, tenant: &str, input: FcmInput) -> Result<PushConfig> {
    let sa = &input.service_account;
    let field = |name: &str| -> Result<String> {
        sa.get(name)
            .and_then(|v| v.as_str())
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Error::invalid(format!("`service_account.{name}` is missing")))
    };
    if field("type")? != "service_account" {
        return Err(Error::invalid(
            "`service_account.type` must be `service_account`",
        ));
    }
    let info = FcmInfo {
        project_id: field("project_id")?,
        client_email: field("client_email")?,
    };
    jsonwebtoken::EncodingKey::from_rsa_pem(field("private_key")?.as_bytes()).map_err(|_| {
        Error::invalid("`service_account.private_key` must be an RSA private key in PEM")
    })?;
    save(
        ctx,
        tenant,
        Provider::Fcm,
        serde_json::to_value(&info)?,
        &sa.to_string(),
    )
    .await?;
    config(ctx, tenant).await
}

pub async fn delete_credentials(ctx: &Parley, tenant: &str, provider: Provider) -> Result<()> {
    let res = push_credential::Entity::delete_by_id((tenant.to_owned(), provider.as_str().into()))
        .exec(&ctx.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::new(
            ErrorCode::PushNotConfigured,
            format!("{} is not configured", provider.as_str()),
        ));
    }
    Ok(())
}

pub async fn config(ctx: &Parley, tenant: &str) -> Result<PushConfig> {
    let mut out = PushConfig::default();
    for row in push_credential::Entity::find()
        .filter(push_credential::Column::TenantId.eq(tenant))
        .all(&ctx.db)
        .await?
    {
        match Provider::from_db(&row.provider) {
            Provider::Apns => out.apns = serde_json::from_value(row.settings).ok(),
            Provider::Fcm => out.fcm = serde_json::from_value(row.settings).ok(),
        }
    }
    Ok(out)
}

/// Credentials for sending, unsealed: the public settings and the secret (the p8 key, or the
/// service-account JSON).
pub async fn credentials(
    ctx: &Parley,
    tenant: &str,
    provider: Provider,
) -> Result<Option<(serde_json::Value, String)>> {
    let Some(row) =
        push_credential::Entity::find_by_id((tenant.to_owned(), provider.as_str().into()))
            .one(&ctx.db)
            .await?
    else {
        return Ok(None);
    };
    let secret = ctx.secrets.open(&row.secret)?;
    Ok(Some((row.settings, secret)))
}

/// Mutes `target` for the acting user: no push for their messages.
pub async fn mute_user(
    ctx: &Parley,
    caller: &Caller,
    target: &str,
    user_id: Option<&str>,
) -> Result<Mute> {
    let user = caller.acting_user(user_id)?;
    let target = UserId::parse("user_id", target)?;
    let tenant = caller.tenant_id();
    crate::users::find(&ctx.db, tenant, target.as_str()).await?;
    let now = Utc::now();
    user_mute::Entity::insert(user_mute::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        user_id: Set(user.as_str().to_owned()),
        target_id: Set(target.as_str().to_owned()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            user_mute::Column::TenantId,
            user_mute::Column::UserId,
            user_mute::Column::TargetId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&ctx.db)
    .await?;
    Ok(Mute {
        user_id: user.into_string(),
        target_id: target.into_string(),
        created_at: now,
    })
}

pub async fn unmute_user(
    ctx: &Parley,
    caller: &Caller,
    target: &str,
    user_id: Option<&str>,
) -> Result<()> {
    let user = caller.acting_user(user_id)?;
    let res = user_mute::Entity::delete_many()
        .filter(user_mute::Column::TenantId.eq(caller.tenant_id()))
        .filter(user_mute::Column::UserId.eq(user.as_str()))
        .filter(user_mute::Column::TargetId.eq(target))
        .exec(&ctx.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(Error::new(
            ErrorCode::UserNotFound,
            format!("`{target}` is not muted"),
        ));
    }
    Ok(())
}

pub async fn mutes(ctx: &Parley, caller: &Caller, user_id: Option<&str>) -> Result<Page<Mute>> {
    let user = caller.acting_user(user_id)?;
    let rows = user_mute::Entity::find()
        .filter(user_mute::Column::TenantId.eq(caller.tenant_id()))
        .filter(user_mute::Column::UserId.eq(user.as_str()))
        .order_by_asc(user_mute::Column::TargetId)
        .all(&ctx.db)
        .await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|m| Mute {
                user_id: m.user_id,
                target_id: m.target_id,
                created_at: m.created_at,
            })
            .collect(),
        next_cursor: None,
    })
}

/// Mutes or unmutes a channel for the acting member.
pub async fn set_channel_muted(
    ctx: &Parley,
    caller: &Caller,
    cid: &Cid,
    muted: bool,
    user_id: Option<&str>,
) -> Result<crate::model::channel::Member> {
    let user = caller.acting_user(user_id)?;
    let tenant = caller.tenant_id();
    let cid = cid.to_string();
    crate::entities::channel::find(&ctx.db, tenant, &cid).await?;
    let m = member::Entity::find_by_id((tenant.to_owned(), cid.clone(), user.as_str().to_owned()))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotAMember,
                format!("`{}` is not a member of `{cid}`", user.as_str()),
            )
        })?;
    let mut am: member::ActiveModel = m.into();
    am.muted = Set(muted);
    am.updated_at = Set(Utc::now());
    Ok(am.update(&ctx.db).await?.into())
}
