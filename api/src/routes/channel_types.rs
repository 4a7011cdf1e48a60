//! Channel types: their features and who may do what in their channels.

use actix_web::{HttpResponse, delete, get, put, web};
use parley_core::Parley;
use parley_core::channels::types;
use parley_core::model::channel_type::{ChannelTypeInput, ChannelTypeView};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::ServerAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::routes::created_or_ok;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_channel_types)
        .service(get_channel_type)
        .service(put_channel_type)
        .service(delete_channel_type);
}

/// List the channel types: `messaging`, `team`, `livestream` and the app's own.
#[utoipa::path(tag = "channel-types", security(("secret_key" = [])),
    responses((status = 200, body = Vec<ChannelTypeView>), (status = "4XX", body = Problem)))]
#[get("/v1/channel-types")]
async fn list_channel_types(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<web::Json<Vec<ChannelTypeView>>> {
    Ok(web::Json(types::list(&ctx, &caller).await?))
}

/// Get a channel type: its features and grants.
#[utoipa::path(tag = "channel-types", security(("secret_key" = [])),
    params(("type" = String, Path, description = "The channel type's name")),
    responses((status = 200, body = ChannelTypeView), (status = "4XX", body = Problem)))]
#[get("/v1/channel-types/{type}")]
async fn get_channel_type(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<ChannelTypeView>> {
    Ok(web::Json(types::get(&ctx, &caller, &path).await?))
}

/// Create a channel type, or change one (built-in types too). What the body leaves out takes
/// the type's defaults (`messaging`'s for a new type); the change applies from the next
/// request on.
#[utoipa::path(tag = "channel-types", security(("secret_key" = [])),
    params(("type" = String, Path, description = "The channel type's name: 1 to 32 lowercase letters, digits, `_`, `-`")),
    responses((status = 201, body = ChannelTypeView, description = "A new type"),
        (status = 200, body = ChannelTypeView, description = "A changed type"),
        (status = "4XX", body = Problem)))]
#[put("/v1/channel-types/{type}")]
async fn put_channel_type(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<ChannelTypeInput>,
) -> ApiResult<HttpResponse> {
    let (view, created) = types::put(&ctx, &caller, &path, body.into_inner()).await?;
    Ok(created_or_ok(created, &view))
}

/// Delete a custom channel type no channel uses (409 `channel_type_in_use` otherwise), or
/// put a built-in type back to its defaults.
#[utoipa::path(tag = "channel-types", security(("secret_key" = [])),
    params(("type" = String, Path, description = "The channel type's name")),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/channel-types/{type}")]
async fn delete_channel_type(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    types::delete(&ctx, &caller, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}
