//! Messages, threads, reactions and pins.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use parley_core::Parley;
use parley_core::kernel::page::Page;
use parley_core::messages::{self, HistoryQuery, MessagePatch, NewMessage, NewReaction};
use parley_core::model::message::Message;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::channels::cid;
use super::created_or_ok;
use crate::auth::AnyAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Query};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(send_message)
        .service(history)
        .service(get_message)
        .service(edit_message)
        .service(delete_message)
        .service(replies)
        .service(add_reaction)
        .service(remove_reaction)
        .service(pin)
        .service(unpin);
}

/// Send a message (201); resending the same client `id` returns the stored message (200).
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path)),
    responses((status = 201, body = Message), (status = 200, body = Message), (status = "4XX", body = Problem)))]
#[post("/v1/channels/{type}/{id}/messages")]
async fn send_message(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    body: Json<NewMessage>,
) -> ApiResult<HttpResponse> {
    let (message, created) = messages::send(&ctx, &caller, &cid(&path)?, body.into_inner()).await?;
    Ok(created_or_ok(created, &message))
}

/// Channel history in ascending `seq`: the newest page by default, older with `before_seq`, newer with `after_seq`.
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("type" = String, Path), ("id" = String, Path), HistoryQuery),
    responses((status = 200, body = Page<Message>), (status = "4XX", body = Problem)))]
#[get("/v1/channels/{type}/{id}/messages")]
async fn history(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    q: Query<HistoryQuery>,
) -> ApiResult<web::Json<Page<Message>>> {
    Ok(web::Json(
        messages::history(&ctx, &caller, &cid(&path)?, q.into_inner()).await?,
    ))
}

/// Get a message.
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    responses((status = 200, body = Message), (status = "4XX", body = Problem)))]
#[get("/v1/messages/{message_id}")]
async fn get_message(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Message>> {
    Ok(web::Json(messages::get(&ctx, &caller, &path).await?))
}

/// Edit a message (its author or a channel moderator).
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    responses((status = 200, body = Message), (status = "4XX", body = Problem)))]
#[patch("/v1/messages/{message_id}")]
async fn edit_message(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<MessagePatch>,
) -> ApiResult<web::Json<Message>> {
    Ok(web::Json(
        messages::edit(&ctx, &caller, &path, body.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActAsQuery {
    /// With the secret key: the user who acts.
    pub user_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    /// With the secret key: the user who acts.
    pub user_id: Option<String>,
    /// Also erase the message's uploaded files from the media store, for good.
    #[serde(default)]
    pub hard: bool,
}

/// Delete a message; a tombstone keeps its `seq` in history. `hard=true` also erases its files.
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])), params(DeleteQuery),
    responses((status = 200, body = Message), (status = "4XX", body = Problem)))]
#[delete("/v1/messages/{message_id}")]
async fn delete_message(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    q: Query<DeleteQuery>,
) -> ApiResult<web::Json<Message>> {
    Ok(web::Json(
        messages::delete(&ctx, &caller, &path, q.user_id.as_deref(), q.hard).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RepliesQuery {
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Replies in a message's thread, ascending by `seq`.
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])), params(RepliesQuery),
    responses((status = 200, body = Page<Message>), (status = "4XX", body = Problem)))]
#[get("/v1/messages/{message_id}/replies")]
async fn replies(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    q: Query<RepliesQuery>,
) -> ApiResult<web::Json<Page<Message>>> {
    Ok(web::Json(
        messages::replies(&ctx, &caller, &path, q.limit, q.cursor.as_deref()).await?,
    ))
}

/// Add a reaction (201; 200 when the caller already reacted so).
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    responses((status = 201, body = Message), (status = 200, body = Message), (status = "4XX", body = Problem)))]
#[post("/v1/messages/{message_id}/reactions")]
async fn add_reaction(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<NewReaction>,
) -> ApiResult<HttpResponse> {
    let (message, created) = messages::react(&ctx, &caller, &path, body.into_inner()).await?;
    Ok(created_or_ok(created, &message))
}

/// Remove the caller's reaction of a type.
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("message_id" = String, Path), ("type" = String, Path), ActAsQuery),
    responses((status = 200, body = Message), (status = "4XX", body = Problem)))]
#[delete("/v1/messages/{message_id}/reactions/{type}")]
async fn remove_reaction(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    q: Query<ActAsQuery>,
) -> ApiResult<web::Json<Message>> {
    let (id, kind) = path.into_inner();
    Ok(web::Json(
        messages::unreact(&ctx, &caller, &id, &kind, q.user_id.as_deref()).await?,
    ))
}

/// Pin a message.
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])), params(ActAsQuery),
    responses((status = 200, body = Message), (status = "4XX", body = Problem)))]
#[post("/v1/messages/{message_id}/pin")]
async fn pin(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    q: Query<ActAsQuery>,
) -> ApiResult<web::Json<Message>> {
    Ok(web::Json(
        messages::set_pinned(&ctx, &caller, &path, true, q.user_id.as_deref()).await?,
    ))
}

/// Unpin a message.
#[utoipa::path(tag = "messages", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])), params(ActAsQuery),
    responses((status = 200, body = Message), (status = "4XX", body = Problem)))]
#[delete("/v1/messages/{message_id}/pin")]
async fn unpin(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    q: Query<ActAsQuery>,
) -> ApiResult<web::Json<Message>> {
    Ok(web::Json(
        messages::set_pinned(&ctx, &caller, &path, false, q.user_id.as_deref()).await?,
    ))
}
