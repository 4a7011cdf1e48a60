//! Channels, members and read state.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use parley_core::Parley;
use parley_core::channels::{
    self, AddMembers, Channel, ChannelPatch, ChannelSort, MarkRead, MemberPatch, NewChannel,
    ReadState,
};
use parley_core::kernel::ids::Cid;
use parley_core::kernel::page::Page;
use parley_core::model::channel::Member;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::created_or_ok;
use crate::auth::AnyAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, OptionalJson, Query};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_channel)
        .service(list_channels)
        .service(get_channel)
        .service(patch_channel)
        .service(delete_channel)
        .service(add_members)
        .service(update_member)
        .service(remove_member)
        .service(mark_read);
}

pub(crate) fn cid(path: &(String, String)) -> Result<Cid, parley_core::Error> {
    Cid::parse(&path.0, &path.1)
}

/// Create a channel (201), or get the existing one with that id or member set (200).
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    responses((status = 201, body = Channel), (status = 200, body = Channel), (status = "4XX", body = Problem)))]
#[post("/v1/channels")]
async fn create_channel(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    body: Json<NewChannel>,
) -> ApiResult<HttpResponse> {
    let (channel, created) = channels::create(&ctx, &caller, body.into_inner()).await?;
    Ok(created_or_ok(created, &channel))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChannelListQuery {
    /// `me` (default for users), or a user id (secret key). Omitted with the secret key: all channels.
    pub member: Option<String>,
    /// `-last_message_at` (default) or `-created_at`.
    #[param(inline)]
    pub sort: Option<ChannelSort>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// List channels, most recently active first, with unread counts and last messages.
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])), params(ChannelListQuery),
    responses((status = 200, body = Page<Channel>), (status = "4XX", body = Problem)))]
#[get("/v1/channels")]
async fn list_channels(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    q: Query<ChannelListQuery>,
) -> ApiResult<web::Json<Page<Channel>>> {
    let q = q.into_inner();
    Ok(web::Json(
        channels::list(
            &ctx,
            &caller,
            q.member.as_deref(),
            q.sort.unwrap_or_default(),
            q.limit,
            q.cursor.as_deref(),
        )
        .await?,
    ))
}

/// Get a channel.
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Channel), (status = "4XX", body = Problem)))]
#[get("/v1/channels/{type}/{id}")]
async fn get_channel(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<Channel>> {
    Ok(web::Json(channels::get(&ctx, &caller, &cid(&path)?).await?))
}

/// Change a channel's name, custom data or frozen flag (owners and moderators).
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Channel), (status = "4XX", body = Problem)))]
#[patch("/v1/channels/{type}/{id}")]
async fn patch_channel(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    body: Json<ChannelPatch>,
) -> ApiResult<web::Json<Channel>> {
    Ok(web::Json(
        channels::patch(&ctx, &caller, &cid(&path)?, body.into_inner()).await?,
    ))
}

/// Delete a channel with its messages (owner, or the tenant server).
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/channels/{type}/{id}")]
async fn delete_channel(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    channels::delete(&ctx, &caller, &cid(&path)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add members, or set the role of existing ones. A user may join where the type grants `join_channel` (`team`, `livestream`).
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = Channel), (status = "4XX", body = Problem)))]
#[post("/v1/channels/{type}/{id}/members")]
async fn add_members(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    body: Json<AddMembers>,
) -> ApiResult<web::Json<Channel>> {
    Ok(web::Json(
        channels::add_members(&ctx, &caller, &cid(&path)?, body.into_inner()).await?,
    ))
}

/// Change a member's role.
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = Member), (status = "4XX", body = Problem)))]
#[patch("/v1/channels/{type}/{id}/members/{user_id}")]
async fn update_member(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String, String)>,
    body: Json<MemberPatch>,
) -> ApiResult<web::Json<Member>> {
    let (t, id, user) = path.into_inner();
    let cid = Cid::parse(&t, &id)?;
    Ok(web::Json(
        channels::update_member(&ctx, &caller, &cid, &user, body.into_inner()).await?,
    ))
}

/// Remove a member (or leave the channel).
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/channels/{type}/{id}/members/{user_id}")]
async fn remove_member(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (t, id, user) = path.into_inner();
    let cid = Cid::parse(&t, &id)?;
    channels::remove_member(&ctx, &caller, &cid, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mark the channel read up to `seq` (default: everything).
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path)),
    request_body(content = Option<MarkRead>, description = "Optional: without a body, marks everything read."),
    responses((status = 200, body = ReadState), (status = "4XX", body = Problem)))]
#[post("/v1/channels/{type}/{id}/read")]
async fn mark_read(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    body: OptionalJson<MarkRead>,
) -> ApiResult<web::Json<ReadState>> {
    let body = body.0.unwrap_or_default();
    Ok(web::Json(
        channels::mark_read(&ctx, &caller, &cid(&path)?, body).await?,
    ))
}
