//! Webhook endpoints of the tenant and their delivery log.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use parley_core::Parley;
use parley_core::integrations::webhooks::{
    self, Delivery, DeliveryStatus, NewWebhook, Webhook, WebhookPatch,
};
use parley_core::kernel::page::Page;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::ServerAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Query};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(patch_webhook)
        .service(delete_webhook)
        .service(test_webhook)
        .service(list_deliveries)
        .service(get_delivery)
        .service(retry_delivery);
}

/// Add a webhook endpoint. The answer carries its signing secret, shown this once.
#[utoipa::path(tag = "webhooks", security(("secret_key" = [])),
    responses((status = 201, body = Webhook), (status = "4XX", body = Problem)))]
#[post("/v1/webhooks")]
async fn create_webhook(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    body: Json<NewWebhook>,
) -> ApiResult<HttpResponse> {
    let hook = webhooks::create(&ctx, caller.tenant_id(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(hook))
}

/// List the webhook endpoints.
#[utoipa::path(tag = "webhooks", security(("secret_key" = [])),
    responses((status = 200, body = Page<Webhook>), (status = "4XX", body = Problem)))]
#[get("/v1/webhooks")]
async fn list_webhooks(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<web::Json<Page<Webhook>>> {
    Ok(web::Json(webhooks::list(&ctx, caller.tenant_id()).await?))
}

/// Get a webhook endpoint (with why it was disabled, if it was).
#[utoipa::path(tag = "webhooks", security(("secret_key" = [])),
    responses((status = 200, body = Webhook), (status = "4XX", body = Problem)))]
#[get("/v1/webhooks/{webhook_id}")]
async fn get_webhook(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Webhook>> {
    Ok(web::Json(
        webhooks::get(&ctx, caller.tenant_id(), &path).await?,
    ))
}

/// Change a webhook endpoint: URL, event types, enabled, or rotate its secret.
#[utoipa::path(tag = "webhooks", security(("secret_key" = [])),
    responses((status = 200, body = Webhook), (status = "4XX", body = Problem)))]
#[patch("/v1/webhooks/{webhook_id}")]
async fn patch_webhook(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<WebhookPatch>,
) -> ApiResult<web::Json<Webhook>> {
    Ok(web::Json(
        webhooks::patch(&ctx, caller.tenant_id(), &path, body.into_inner()).await?,
    ))
}

/// Delete a webhook endpoint and its queued deliveries.
#[utoipa::path(tag = "webhooks", security(("secret_key" = [])),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/v1/webhooks/{webhook_id}")]
async fn delete_webhook(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    webhooks::delete(&ctx, caller.tenant_id(), &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a `webhook.test` event to the endpoint.
#[utoipa::path(tag = "webhooks", security(("secret_key" = [])),
    responses((status = 202, body = Delivery), (status = "4XX", body = Problem)))]
#[post("/v1/webhooks/{webhook_id}/test")]
async fn test_webhook(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let d = webhooks::send_test(&ctx, caller.tenant_id(), &path).await?;
    Ok(HttpResponse::Accepted().json(d))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    pub status: Option<DeliveryStatus>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The endpoint's delivery log, newest first, each with its last attempt.
#[utoipa::path(tag = "webhooks", security(("secret_key" = [])), params(DeliveryQuery),
    responses((status = 200, body = Page<Delivery>), (status = "4XX", body = Problem)))]
#[get("/v1/webhooks/{webhook_id}/deliveries")]
async fn list_deliveries(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    q: Query<DeliveryQuery>,
) -> ApiResult<web::Json<Page<Delivery>>> {
    let q = q.into_inner();
    Ok(web::Json(
        webhooks::deliveries(
            &ctx,
            caller.tenant_id(),
            &path,
            q.status,
            q.limit,
            q.cursor.as_deref(),
        )
        .await?,
    ))
}

/// One delivery with every attempt (status, latency, the start of the answer).
#[utoipa::path(tag = "webhooks", security(("secret_key" = [])),
    responses((status = 200, body = Delivery), (status = "4XX", body = Problem)))]
#[get("/v1/webhooks/{webhook_id}/deliveries/{delivery_id}")]
async fn get_delivery(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, i64)>,
) -> ApiResult<web::Json<Delivery>> {
    let (hook, id) = path.into_inner();
    Ok(web::Json(
        webhooks::delivery(&ctx, caller.tenant_id(), &hook, id).await?,
    ))
}

/// Send a delivery again (failed, or succeeded but lost by the receiver).
#[utoipa::path(tag = "webhooks", security(("secret_key" = [])),
    responses((status = 202, body = Delivery), (status = "4XX", body = Problem)))]
#[post("/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry")]
async fn retry_delivery(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let (hook, id) = path.into_inner();
    let d = webhooks::retry_delivery(&ctx, caller.tenant_id(), &hook, id).await?;
    Ok(HttpResponse::Accepted().json(d))
}
