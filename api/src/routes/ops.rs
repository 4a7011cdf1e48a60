//! The front door (`GET /`: what this server is and where its docs are), and the liveness
//! and readiness probes.

use actix_web::{HttpResponse, get, web};
use parley_core::Parley;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};
pub use parley_wire::ops::{Health, Root, RootLinks};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(root).service(healthz).service(readyz);
}

/// This server: name, version and links to the API docs and probes.
#[utoipa::path(tag = "ops", responses((status = 200, body = Root)))]
#[get("/")]
async fn root() -> HttpResponse {
    HttpResponse::Ok().json(Root {
        name: "Parley".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        links: RootLinks {
            docs: "/docs/".into(),
            openapi: "/openapi.json".into(),
            healthz: "/healthz".into(),
            readyz: "/readyz".into(),
        },
    })
}

/// Liveness: the process answers.
#[utoipa::path(tag = "ops", responses((status = 200, body = Health)))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database answers too (503 otherwise).
#[utoipa::path(tag = "ops", responses((status = 200, body = Health), (status = 503, body = crate::error::Problem)))]
#[get("/readyz")]
async fn readyz(ctx: web::Data<Parley>) -> ApiResult<HttpResponse> {
    ctx.db.ping().await.map_err(|e| ApiError(e.into()))?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready".into(),
    }))
}
