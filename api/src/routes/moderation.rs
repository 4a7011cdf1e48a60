//! Moderation: bans from the whole app (the tenant server, admins) and from one channel
//! (owners and moderators).

use actix_web::{HttpResponse, delete, get, post, web};
use parley_core::Parley;
use parley_core::flags::{self, FlagFilter};
use parley_core::kernel::page::Page;
use parley_core::model::ban::{Ban, NewBan};
use parley_core::model::flag::{Flag, FlagStatus, NewFlag, Resolve};
use parley_core::moderation::{self, BanFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AnyAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Query};
use crate::routes::channels::cid;
use crate::routes::created_or_ok;
pub use parley_wire::moderation::BanScope;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ban_user)
        .service(unban_user)
        .service(list_bans)
        .service(ban_in_channel)
        .service(unban_in_channel)
        .service(list_channel_bans)
        .service(flag_message)
        .service(flag_user)
        .service(list_flags)
        .service(resolve_flag);
}

/// Ban a user from the whole app (the tenant server or an admin). Their requests and new
/// connections are refused with 403 `user_banned` (reason and expiry in the detail); open
/// connections get `user.banned` and are closed with 4403. Banning again replaces the ban.
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("user_id" = String, Path)),
    responses((status = 201, body = Ban), (status = "4XX", body = Problem)))]
#[post("/v1/users/{user_id}/ban")]
async fn ban_user(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<NewBan>,
) -> ApiResult<HttpResponse> {
    let ban = moderation::ban_user(&ctx, &caller, &path, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(ban))
}

/// Lift a user's app-wide ban (404 `ban_not_found` when there is none).
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("user_id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/users/{user_id}/ban")]
async fn unban_user(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    moderation::unban_user(&ctx, &caller, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BanQuery {
    /// Only this user's bans.
    pub user_id: Option<String>,
    /// Only this channel's bans (`type:id`).
    pub cid: Option<String>,
    /// `app`: only app-wide bans.
    #[param(inline)]
    pub scope: Option<BanScope>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The `cid` and `user_id` filters of a list, checked.
fn filters(
    cid: Option<&str>,
    user_id: Option<&str>,
) -> Result<(Option<String>, Option<String>), parley_core::Error> {
    let cid = cid
        .map(|c| parley_core::kernel::ids::Cid::parse_cid(c).map(|c| c.to_string()))
        .transpose()?;
    let user_id = user_id
        .map(|u| parley_core::kernel::ids::UserId::parse("user_id", u).map(|u| u.into_string()))
        .transpose()?;
    Ok((cid, user_id))
}

/// The bans in force: app-wide ones first, then by channel and user.
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(BanQuery),
    responses((status = 200, body = Page<Ban>), (status = "4XX", body = Problem)))]
#[get("/v1/bans")]
async fn list_bans(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    query: Query<BanQuery>,
) -> ApiResult<web::Json<Page<Ban>>> {
    let q = query.into_inner();
    let (cid, user_id) = filters(q.cid.as_deref(), q.user_id.as_deref())?;
    let filter = BanFilter {
        user_id,
        cid,
        app_only: q.scope == Some(BanScope::App),
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(web::Json(moderation::list(&ctx, &caller, filter).await?))
}

/// Ban a user from the channel (the `ban_channel_member` grant: owners and moderators by
/// default). Their messages there are refused with 403 `user_banned`; members see
/// `user.banned`.
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path)),
    responses((status = 201, body = Ban), (status = "4XX", body = Problem)))]
#[post("/v1/channels/{type}/{id}/bans")]
async fn ban_in_channel(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    body: Json<NewBan>,
) -> ApiResult<HttpResponse> {
    let ban = moderation::ban_in_channel(&ctx, &caller, &cid(&path)?, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(ban))
}

/// Lift a user's ban from the channel.
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/channels/{type}/{id}/bans/{user_id}")]
async fn unban_in_channel(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (kind, id, user) = path.into_inner();
    moderation::unban_in_channel(&ctx, &caller, &cid(&(kind, id))?, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChannelBanQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The bans in force in the channel.
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path), ChannelBanQuery),
    responses((status = 200, body = Page<Ban>), (status = "4XX", body = Problem)))]
#[get("/v1/channels/{type}/{id}/bans")]
async fn list_channel_bans(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    query: Query<ChannelBanQuery>,
) -> ApiResult<web::Json<Page<Ban>>> {
    let q = query.into_inner();
    Ok(web::Json(
        moderation::list_in_channel(&ctx, &caller, &cid(&path)?, q.limit, q.cursor).await?,
    ))
}

/// Report a message to the moderators (users need the `flag` grant of the channel's type).
/// Reporting it again while the report is open returns that report (200).
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("message_id" = String, Path)),
    responses((status = 201, body = Flag), (status = 200, body = Flag), (status = "4XX", body = Problem)))]
#[post("/v1/messages/{message_id}/flag")]
async fn flag_message(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<NewFlag>,
) -> ApiResult<HttpResponse> {
    let (flag, created) = flags::flag_message(&ctx, &caller, &path, body.into_inner()).await?;
    Ok(created_or_ok(created, &flag))
}

/// Report a user to the moderators. Reporting them again while the report is open returns
/// that report (200).
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("user_id" = String, Path)),
    responses((status = 201, body = Flag), (status = 200, body = Flag), (status = "4XX", body = Problem)))]
#[post("/v1/users/{user_id}/flag")]
async fn flag_user(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<NewFlag>,
) -> ApiResult<HttpResponse> {
    let (flag, created) = flags::flag_user(&ctx, &caller, &path, body.into_inner()).await?;
    Ok(created_or_ok(created, &flag))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FlagQuery {
    pub status: Option<FlagStatus>,
    /// Only reports of this channel's messages (`type:id`).
    pub cid: Option<String>,
    /// Only reports of this user or their messages.
    pub user_id: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The review queue, oldest first (the tenant server and admins).
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(FlagQuery),
    responses((status = 200, body = Page<Flag>), (status = "4XX", body = Problem)))]
#[get("/v1/flags")]
async fn list_flags(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    query: Query<FlagQuery>,
) -> ApiResult<web::Json<Page<Flag>>> {
    let q = query.into_inner();
    let (cid, user_id) = filters(q.cid.as_deref(), q.user_id.as_deref())?;
    let filter = FlagFilter {
        status: q.status,
        cid,
        user_id,
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(web::Json(flags::list(&ctx, &caller, filter).await?))
}

/// Resolve an open report: `dismiss`, `delete_message` (soft) or `ban_user` (app-wide, with
/// optional `reason` and `timeout_s`). The action is done, then the report is marked
/// resolved with it.
#[utoipa::path(tag = "moderation", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("flag_id" = String, Path)),
    responses((status = 200, body = Flag), (status = "4XX", body = Problem)))]
#[post("/v1/flags/{flag_id}/resolve")]
async fn resolve_flag(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<Resolve>,
) -> ApiResult<web::Json<Flag>> {
    Ok(web::Json(
        flags::resolve(&ctx, &caller, &path, body.into_inner()).await?,
    ))
}
