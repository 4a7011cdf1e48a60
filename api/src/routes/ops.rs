//! The front door (`GET /`: what this server is and where its docs are), and the liveness
//! and readiness probes.

use actix_web::{HttpResponse, get, web};
use parley_core::Parley;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(root).service(healthz).service(readyz);
}

/// What answers at `/`: the server's name and version and where to go next.
#[derive(Serialize, ToSchema)]
pub struct Root {
    /// Always `Parley`.
    pub name: &'static str,
    /// The server's version.
    pub version: &'static str,
    pub links: RootLinks,
}

/// Paths on this server, relative to its base URL.
#[derive(Serialize, ToSchema)]
pub struct RootLinks {
    /// The API documentation (Swagger UI).
    pub docs: &'static str,
    /// The OpenAPI document.
    pub openapi: &'static str,
    /// Liveness probe.
    pub healthz: &'static str,
    /// Readiness probe.
    pub readyz: &'static str,
}

/// This server: name, version and links to the API docs and probes.
#[utoipa::path(tag = "ops", responses((status = 200, body = Root)))]
#[get("/")]
async fn root() -> HttpResponse {
    HttpResponse::Ok().json(Root {
        name: "Parley",
        version: env!("CARGO_PKG_VERSION"),
        links: RootLinks {
            docs: "/docs/",
            openapi: "/openapi.json",
            healthz: "/healthz",
            readyz: "/readyz",
        },
    })
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
