//! The tenant's channel types: the three built-in ones (with the tenant's changes, if any)
//! and its own. Their features and grants take effect on the next request.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::audit::{AuditAction, Change, TargetKind};
use crate::authn::Caller;
use crate::authz::{Action, Target, authorize, settings_of};
use crate::entities::{channel, channel_type};
use crate::kernel::ids::ChannelType;
use crate::model::channel_type::{
    BUILT_IN, ChannelTypeInput, ChannelTypeSettings, ChannelTypeView,
};
use crate::realtime::cache::Stale;
use crate::work::UnitOfWork;
use crate::{Error, ErrorCode, Parley, Result};

fn view(
    name: &str,
    settings: ChannelTypeSettings,
    row: Option<&channel_type::Model>,
) -> ChannelTypeView {
    ChannelTypeView {
        name: name.to_owned(),
        built_in: BUILT_IN.contains(&name),
        features: settings.features,
        grants: settings.grants,
        blocklists: settings.blocklists,
        updated_at: row.map(|r| r.updated_at),
    }
}

fn not_found(name: &str) -> Error {
    Error::new(
        ErrorCode::ChannelTypeNotFound,
        format!("no channel type `{name}`"),
    )
}

/// Every channel type of the tenant, built-in ones first, then by name.
pub async fn list(ctx: &Parley, caller: &Caller) -> Result<Vec<ChannelTypeView>> {
    authorize(caller, Action::ManageApp, Target::App)?;
    let rows = channel_type::Entity::find()
        .filter(channel_type::Column::TenantId.eq(caller.tenant_id()))
        .order_by_asc(channel_type::Column::Name)
        .all(&ctx.db)
        .await?;
    let custom = rows.iter().filter(|r| !BUILT_IN.contains(&r.name.as_str()));
    let names = BUILT_IN.into_iter().chain(custom.map(|r| r.name.as_str()));
    let mut out = Vec::with_capacity(rows.len() + BUILT_IN.len());
    for name in names {
        let row = rows.iter().find(|r| r.name == name);
        if let Some(settings) = settings_of(name, row)? {
            out.push(view(name, settings, row));
        }
    }
    Ok(out)
}

/// One channel type.
pub async fn get(ctx: &Parley, caller: &Caller, name: &str) -> Result<ChannelTypeView> {
    authorize(caller, Action::ManageApp, Target::App)?;
    let name = ChannelType::parse(name).map_err(|_| not_found(name))?;
    let row = channel_type::Entity::find_by_id((caller.tenant_id().to_owned(), name.to_string()))
        .one(&ctx.db)
        .await?;
    let settings =
        settings_of(name.as_str(), row.as_ref())?.ok_or_else(|| not_found(name.as_str()))?;
    Ok(view(name.as_str(), settings, row.as_ref()))
}

/// Sets a channel type's features and grants, creating a custom type. Returns it and whether
/// it was created.
pub async fn put(
    ctx: &Parley,
    caller: &Caller,
    name: &str,
    input: ChannelTypeInput,
) -> Result<(ChannelTypeView, bool)> {
    let permit = authorize(caller, Action::ManageApp, Target::App)?;
    let name = ChannelType::parse(name)?;
    let settings = ChannelTypeSettings::from_input(name.as_str(), input)?;
    let tenant = caller.tenant_id();
    crate::moderation::blocklists::require_all(ctx, tenant, &settings.blocklists).await?;
    let now = Utc::now();
    let existing = channel_type::Entity::find_by_id((tenant.to_owned(), name.to_string()))
        .one(&ctx.db)
        .await?;
    let created = existing.is_none() && !BUILT_IN.contains(&name.as_str());
    let row = channel_type::Model {
        tenant_id: tenant.to_owned(),
        name: name.to_string(),
        settings: serde_json::to_value(&settings)?,
        created_at: existing.as_ref().map_or(now, |e| e.created_at),
        updated_at: now,
    };
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    channel_type::Entity::insert(row.clone().into_active_model().reset_all())
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                channel_type::Column::TenantId,
                channel_type::Column::Name,
            ])
            .update_columns([
                channel_type::Column::Settings,
                channel_type::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&*work)
        .await?;
    work.forget_after(Stale::channel_type(tenant, name.as_str()));
    let change = Change::new(
        AuditAction::ChannelTypeUpdated,
        TargetKind::ChannelType,
        name.as_str(),
    )
    .with(serde_json::json!({ "created": created }));
    work.audit(caller, change).await?;
    work.commit().await?;
    Ok((view(name.as_str(), settings, Some(&row)), created))
}

/// Deletes a custom type no channel uses, or puts a built-in type back to its defaults.
pub async fn delete(ctx: &Parley, caller: &Caller, name: &str) -> Result<()> {
    let permit = authorize(caller, Action::ManageApp, Target::App)?;
    let tenant = caller.tenant_id();
    let name = ChannelType::parse(name).map_err(|_| not_found(name))?;
    let built_in = BUILT_IN.contains(&name.as_str());
    if !built_in {
        let used = channel::Entity::find()
            .filter(channel::Column::TenantId.eq(tenant))
            .filter(channel::Column::Kind.eq(name.as_str()))
            .count(&ctx.db)
            .await?;
        if used > 0 {
            return Err(Error::new(
                ErrorCode::ChannelTypeInUse,
                format!("{used} channel(s) have type `{name}`; delete them first"),
            ));
        }
    }
    let mut work = UnitOfWork::begin(ctx, &permit).await?;
    work.forget_after(Stale::channel_type(tenant, name.as_str()));
    let gone = channel_type::Entity::delete_by_id((tenant.to_owned(), name.to_string()))
        .exec(&*work)
        .await?;
    if gone.rows_affected == 0 && !built_in {
        return Err(not_found(name.as_str()));
    }
    let change = Change::new(
        AuditAction::ChannelTypeDeleted,
        TargetKind::ChannelType,
        name.as_str(),
    )
    .with(serde_json::json!({ "built_in": built_in }));
    work.audit(caller, change).await?;
    work.commit().await
}
