//! Users, and the calling user's own view (`/v1/me`).

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use futures_util::TryStreamExt;
use parley_core::Parley;
use parley_core::channels::{self, Unread};
use parley_core::kernel::page::Page;
use parley_core::users::blocks::{self, Block};
use parley_core::users::{self, DeleteMode, DeletedUserMessages, User, UserExport, UserInput};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::created_or_ok;
use crate::auth::{AnyAuth, UserAuth};
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Query};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me)
        .service(my_unread)
        .service(list_users)
        .service(put_user)
        .service(get_user)
        .service(patch_user)
        .service(delete_user)
        .service(reactivate_user)
        .service(export_user)
        .service(list_blocks)
        .service(block_user)
        .service(unblock_user);
}

/// Create or replace a user.
#[utoipa::path(tag = "users", security(("secret_key" = [])),
    responses((status = 201, body = User), (status = 200, body = User), (status = "4XX", body = Problem)))]
#[put("/v1/users/{user_id}")]
async fn put_user(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<UserInput>,
) -> ApiResult<HttpResponse> {
    let (user, created) = users::upsert(&ctx, &caller, &path, body.into_inner()).await?;
    Ok(created_or_ok(created, &user))
}

/// Get a user.
#[utoipa::path(tag = "users", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    responses((status = 200, body = User), (status = "4XX", body = Problem)))]
#[get("/v1/users/{user_id}")]
async fn get_user(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<User>> {
    Ok(web::Json(users::get(&ctx, &caller, &path).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserListQuery {
    /// Name prefix, case-insensitive.
    pub q: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// List users, or search them by name prefix.
#[utoipa::path(tag = "users", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])), params(UserListQuery),
    responses((status = 200, body = Page<User>), (status = "4XX", body = Problem)))]
#[get("/v1/users")]
async fn list_users(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    q: Query<UserListQuery>,
) -> ApiResult<web::Json<Page<User>>> {
    Ok(web::Json(
        users::list(&ctx, &caller, q.q.as_deref(), q.limit, q.cursor.as_deref()).await?,
    ))
}

/// Change some of a user's fields (a user may change their own name, image and custom data).
#[utoipa::path(tag = "users", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    responses((status = 200, body = User), (status = "4XX", body = Problem)))]
#[patch("/v1/users/{user_id}")]
async fn patch_user(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<UserInput>,
) -> ApiResult<web::Json<User>> {
    Ok(web::Json(
        users::patch(&ctx, &caller, &path, body.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteUserQuery {
    /// `soft` (default) deactivates; `hard` removes the user.
    #[param(inline)]
    pub mode: Option<DeleteMode>,
    /// With `mode=hard`: `keep` (default) keeps messages as by a deleted user; `delete` deletes them.
    #[param(inline)]
    pub messages: Option<DeletedUserMessages>,
}

/// Deactivate (soft) or delete (hard) a user.
#[utoipa::path(tag = "users", security(("secret_key" = [])), params(DeleteUserQuery),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/users/{user_id}")]
async fn delete_user(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    q: Query<DeleteUserQuery>,
) -> ApiResult<HttpResponse> {
    users::delete(
        &ctx,
        &caller,
        &path,
        q.mode.unwrap_or_default(),
        q.messages.unwrap_or_default(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reactivate a deactivated user.
#[utoipa::path(tag = "users", security(("secret_key" = [])),
    responses((status = 200, body = User), (status = "4XX", body = Problem)))]
#[post("/v1/users/{user_id}/reactivate")]
async fn reactivate_user(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<User>> {
    Ok(web::Json(users::reactivate(&ctx, &caller, &path).await?))
}

/// Export everything stored about a user, as one JSON document (GDPR access and portability).
///
/// Profile, messages, reactions, memberships with read state, devices, uploads with signed
/// URLs, reports made, bans and mutes. For the tenant server, admins and the user themselves.
/// The body streams a page of rows at a time; a body cut short is not valid JSON.
#[utoipa::path(tag = "users", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    responses(
        (status = 200, body = UserExport, headers(("Content-Disposition" = String,
            description = "`attachment; filename=\"user-{user_id}-export.json\"`"))),
        (status = 401, body = Problem, description = "No credentials, or invalid ones."),
        (status = 403, body = Problem,
            description = "Another user's export: `forbidden` with `action: export_user`."),
        (status = 404, body = Problem, description = "`user_not_found`."),
        (status = "4XX", body = Problem)))]
#[get("/v1/users/{user_id}/export")]
async fn export_user(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let export = users::export(&ctx, &caller, &path).await?;
    let filename = format!("user-{}-export.json", export.user_id());
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(export.chunks().map_ok(web::Bytes::from)))
}

/// The calling user.
#[utoipa::path(tag = "me", security(("publishable_key" = [], "user_token" = [])),
    responses((status = 200, body = User), (status = "4XX", body = Problem)))]
#[get("/v1/me")]
async fn me(UserAuth(caller): UserAuth, ctx: web::Data<Parley>) -> ApiResult<web::Json<User>> {
    let id = caller
        .user_id()
        .map(|u| u.as_str().to_owned())
        .unwrap_or_default();
    Ok(web::Json(users::get(&ctx, &caller, &id).await?))
}

/// The calling user's unread counts: the total, and each channel with unread messages (a
/// channel read to its end is not listed).
#[utoipa::path(tag = "me", security(("publishable_key" = [], "user_token" = [])),
    responses((status = 200, body = Unread), (status = "4XX", body = Problem)))]
#[get("/v1/me/unread")]
async fn my_unread(
    UserAuth(caller): UserAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<web::Json<Unread>> {
    Ok(web::Json(channels::unread(&ctx, &caller, None).await?))
}

/// The users the calling user blocked, newest first.
#[utoipa::path(tag = "me", security(("publishable_key" = [], "user_token" = [])),
    responses((status = 200, body = Vec<Block>), (status = "4XX", body = Problem)))]
#[get("/v1/me/blocks")]
async fn list_blocks(
    UserAuth(caller): UserAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<web::Json<Vec<Block>>> {
    Ok(web::Json(blocks::list(&ctx, &caller).await?))
}

/// Block a user: their messages no longer reach the caller (live, in replays, history, unread
/// counts and push), and they can neither open nor post into a distinct DM with the caller
/// (403 naming the action). The caller's connections get `user.blocked`. Blocking again
/// returns the block (200).
#[utoipa::path(tag = "me", security(("publishable_key" = [], "user_token" = [])),
    params(("user_id" = String, Path, description = "The user to block")),
    responses((status = 201, body = Block, description = "A new block"),
        (status = 200, body = Block, description = "Already blocked"),
        (status = "4XX", body = Problem)))]
#[post("/v1/me/blocks/{user_id}")]
async fn block_user(
    UserAuth(caller): UserAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (block, created) = blocks::block(&ctx, &caller, &path).await?;
    Ok(created_or_ok(created, &block))
}

/// Unblock a user (404 `block_not_found` when they are not blocked). The caller's
/// connections get `user.unblocked`.
#[utoipa::path(tag = "me", security(("publishable_key" = [], "user_token" = [])),
    params(("user_id" = String, Path, description = "The user to unblock")),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/me/blocks/{user_id}")]
async fn unblock_user(
    UserAuth(caller): UserAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    blocks::unblock(&ctx, &caller, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
