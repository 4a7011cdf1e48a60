//! Blocklists: the app's lists of blocked words and expressions, which channel types screen
//! messages with.

use actix_web::{HttpResponse, delete, get, put, web};
use parley_core::Parley;
use parley_core::model::blocklist::{Blocklist, BlocklistInput};
use parley_core::moderation::blocklists;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::ServerAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::routes::created_or_ok;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_blocklists)
        .service(get_blocklist)
        .service(put_blocklist)
        .service(delete_blocklist);
}

/// List the app's blocklists.
#[utoipa::path(tag = "moderation", security(("secret_key" = [])),
    responses((status = 200, body = Vec<Blocklist>), (status = "4XX", body = Problem)))]
#[get("/v1/blocklists")]
async fn list_blocklists(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<web::Json<Vec<Blocklist>>> {
    Ok(web::Json(blocklists::list(&ctx, &caller).await?))
}

/// Get a blocklist.
#[utoipa::path(tag = "moderation", security(("secret_key" = [])),
    params(("name" = String, Path, description = "The blocklist's name")),
    responses((status = 200, body = Blocklist), (status = "4XX", body = Problem)))]
#[get("/v1/blocklists/{name}")]
async fn get_blocklist(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Blocklist>> {
    Ok(web::Json(blocklists::get(&ctx, &caller, &path).await?))
}

/// Create or replace a blocklist: words (matched as whole words) and regular expressions,
/// matched regardless of case, accents and compatibility forms, in linear time. A channel
/// type uses it through its `blocklists` (`PUT /v1/channel-types/{type}`) with an action:
/// `block` (422 `message_blocked`), `mask` (each match stored as `***`) or `flag` (stored and
/// reported as `message.flagged`). New and edited messages are screened.
#[utoipa::path(tag = "moderation", security(("secret_key" = [])),
    params(("name" = String, Path, description = "1 to 64 lowercase letters, digits, `_`, `-`")),
    responses((status = 201, body = Blocklist, description = "A new list"),
        (status = 200, body = Blocklist, description = "A replaced list"),
        (status = "4XX", body = Problem)))]
#[put("/v1/blocklists/{name}")]
async fn put_blocklist(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<BlocklistInput>,
) -> ApiResult<HttpResponse> {
    let (list, created) = blocklists::put(&ctx, &caller, &path, body.into_inner()).await?;
    Ok(created_or_ok(created, &list))
}

/// Delete a blocklist no channel type uses (409 `blocklist_in_use` otherwise).
#[utoipa::path(tag = "moderation", security(("secret_key" = [])),
    params(("name" = String, Path, description = "The blocklist's name")),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/blocklists/{name}")]
async fn delete_blocklist(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    blocklists::delete(&ctx, &caller, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
