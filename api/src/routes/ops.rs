//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use parley_core::Parley;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "ops", responses((status = 200, body = Health)))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: the database answers too (503 otherwise).
#[utoipa::path(tag = "ops", responses((status = 200, body = Health), (status = 503, body = crate::error::Problem)))]
#[get("/readyz")]
async fn readyz(ctx: web::Data<Parley>) -> ApiResult<HttpResponse> {
    ctx.db.ping().await.map_err(|e| ApiError(e.into()))?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}
