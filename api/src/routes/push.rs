//! Push: devices, the app's APNs and FCM credentials, test sends, and mutes.

use std::sync::Arc;

use actix_web::{HttpResponse, delete, get, post, put, web};
use parley_core::Parley;
use parley_core::kernel::page::Page;
use parley_core::model::channel::Member;
use parley_core::push::{self, ApnsInput, Device, FcmInput, Mute, NewDevice, Provider, PushConfig};
use parley_worker::Services;
use utoipa_actix_web::service_config::ServiceConfig;

use super::created_or_ok;
use super::messages::ActAsQuery;
use crate::auth::{AnyAuth, ServerAuth, UserAuth};
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Query};
pub use parley_wire::push::{PushTest, PushTestResult};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register_device)
        .service(list_devices)
        .service(delete_device)
        .service(get_push)
        .service(put_apns)
        .service(put_fcm)
        .service(delete_apns)
        .service(delete_fcm)
        .service(test_push)
        .service(list_mutes)
        .service(mute_user)
        .service(unmute_user)
        .service(mute_channel)
        .service(unmute_channel);
}

/// Register a device for push (a token already known moves to this user).
#[utoipa::path(tag = "push", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    responses((status = 201, body = Device), (status = 200, body = Device), (status = "4XX", body = Problem)))]
#[post("/v1/devices")]
async fn register_device(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    body: Json<NewDevice>,
) -> ApiResult<HttpResponse> {
    let (device, created) = push::register(&ctx, &caller, body.into_inner()).await?;
    Ok(created_or_ok(created, &device))
}

/// The devices of the calling user (or of `user_id`, with the secret key).
#[utoipa::path(tag = "push", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(ActAsQuery), responses((status = 200, body = Page<Device>), (status = "4XX", body = Problem)))]
#[get("/v1/devices")]
async fn list_devices(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    q: Query<ActAsQuery>,
) -> ApiResult<web::Json<Page<Device>>> {
    Ok(web::Json(
        push::list_devices(&ctx, &caller, q.user_id.as_deref()).await?,
    ))
}

/// Remove a device.
#[utoipa::path(tag = "push", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(ActAsQuery), responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/devices/{token}")]
async fn delete_device(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    q: Query<ActAsQuery>,
) -> ApiResult<HttpResponse> {
    push::delete_device(&ctx, &caller, &path, q.user_id.as_deref()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What push is configured with (never the keys).
#[utoipa::path(tag = "push", security(("secret_key" = [])),
    responses((status = 200, body = PushConfig), (status = "4XX", body = Problem)))]
#[get("/v1/push")]
async fn get_push(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<web::Json<PushConfig>> {
    Ok(web::Json(push::config(&ctx, caller.tenant_id()).await?))
}

/// Set the APNs credentials (.p8 key, key id, team id, bundle id, sandbox).
#[utoipa::path(tag = "push", security(("secret_key" = [])),
    responses((status = 200, body = PushConfig), (status = "4XX", body = Problem)))]
#[put("/v1/push/apns")]
async fn put_apns(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    body: Json<ApnsInput>,
) -> ApiResult<web::Json<PushConfig>> {
    let input = body.into_inner();
    // A key that parses but cannot sign a provider token would fail every push later.
    parley_worker::push::apns::ApnsClient::validate(&parley_worker::push::apns::ApnsCredentials {
        key_p8: input.p8_key.trim().to_owned(),
        key_id: input.key_id.trim().to_owned(),
        team_id: input.team_id.trim().to_owned(),
        bundle_id: input.bundle_id.trim().to_owned(),
        sandbox: input.sandbox,
    })
    .map_err(|why| parley_core::Error::invalid(format!("APNs credentials: {why}")))?;
    Ok(web::Json(
        push::put_apns(&ctx, caller.tenant_id(), input).await?,
    ))
}

/// Set the FCM credentials (a service-account JSON key).
#[utoipa::path(tag = "push", security(("secret_key" = [])),
    responses((status = 200, body = PushConfig), (status = "4XX", body = Problem)))]
#[put("/v1/push/fcm")]
async fn put_fcm(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    body: Json<FcmInput>,
) -> ApiResult<web::Json<PushConfig>> {
    Ok(web::Json(
        push::put_fcm(&ctx, caller.tenant_id(), body.into_inner()).await?,
    ))
}

// One route per provider rather than `/v1/push/{provider}`, which would also match
// `/v1/push/test` and make `/v1/push/apns` answer to methods its path does not list.

/// Remove the APNs credentials.
#[utoipa::path(tag = "push", security(("secret_key" = [])),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/push/apns")]
async fn delete_apns(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<HttpResponse> {
    push::delete_credentials(&ctx, caller.tenant_id(), Provider::Apns).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove the FCM credentials.
#[utoipa::path(tag = "push", security(("secret_key" = [])),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/push/fcm")]
async fn delete_fcm(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<HttpResponse> {
    push::delete_credentials(&ctx, caller.tenant_id(), Provider::Fcm).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a test notification to every device of a user now, and see each device's result.
#[utoipa::path(tag = "push", security(("secret_key" = [])),
    responses((status = 200, body = PushTestResult), (status = "4XX", body = Problem)))]
#[post("/v1/push/test")]
async fn test_push(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    services: web::Data<Arc<Services>>,
    body: Json<PushTest>,
) -> ApiResult<web::Json<PushTestResult>> {
    let b = body.into_inner();
    let user = parley_core::kernel::ids::UserId::parse("user_id", &b.user_id)?;
    let results = parley_worker::notify::test(
        &ctx,
        &services,
        caller.tenant_id(),
        user.as_str(),
        b.title,
        b.body,
    )
    .await?;
    Ok(web::Json(PushTestResult { results }))
}

/// The users the calling user muted.
#[utoipa::path(tag = "me", security(("publishable_key" = [], "user_token" = [])),
    responses((status = 200, body = Page<Mute>), (status = "4XX", body = Problem)))]
#[get("/v1/me/mutes")]
async fn list_mutes(
    UserAuth(caller): UserAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<web::Json<Page<Mute>>> {
    Ok(web::Json(push::mutes(&ctx, &caller, None).await?))
}

/// Mute a user: no push notifications for their messages.
#[utoipa::path(tag = "me", security(("publishable_key" = [], "user_token" = [])),
    responses((status = 200, body = Mute), (status = "4XX", body = Problem)))]
#[post("/v1/me/mutes/{user_id}")]
async fn mute_user(
    UserAuth(caller): UserAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Mute>> {
    Ok(web::Json(
        push::mute_user(&ctx, &caller, &path, None).await?,
    ))
}

/// Unmute a user.
#[utoipa::path(tag = "me", security(("publishable_key" = [], "user_token" = [])),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/me/mutes/{user_id}")]
async fn unmute_user(
    UserAuth(caller): UserAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    push::unmute_user(&ctx, &caller, &path, None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mute a channel for the calling member: no push notifications from it.
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(ActAsQuery), responses((status = 200, body = Member), (status = "4XX", body = Problem)))]
#[post("/v1/channels/{type}/{id}/mute")]
async fn mute_channel(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    q: Query<ActAsQuery>,
) -> ApiResult<web::Json<Member>> {
    let cid = super::channels::cid(&path)?;
    Ok(web::Json(
        push::set_channel_muted(&ctx, &caller, &cid, true, q.user_id.as_deref()).await?,
    ))
}

/// Unmute a channel for the calling member.
#[utoipa::path(tag = "channels", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(ActAsQuery), responses((status = 200, body = Member), (status = "4XX", body = Problem)))]
#[delete("/v1/channels/{type}/{id}/mute")]
async fn unmute_channel(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    q: Query<ActAsQuery>,
) -> ApiResult<web::Json<Member>> {
    let cid = super::channels::cid(&path)?;
    Ok(web::Json(
        push::set_channel_muted(&ctx, &caller, &cid, false, q.user_id.as_deref()).await?,
    ))
}
