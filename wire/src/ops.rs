use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What answers at `/`: the server's name and version and where to go next.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Root {
    /// Always `Parley`.
    pub name: String,
    /// The server's version.
    pub version: String,
    pub links: RootLinks,
}

/// Paths on this server, relative to its base URL.
#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct RootLinks {
    /// The API documentation (Swagger UI).
    pub docs: String,
    /// The OpenAPI document.
    pub openapi: String,
    /// Liveness probe.
    pub healthz: String,
    /// Readiness probe.
    pub readyz: String,
}

#[derive(Clone, Debug, Serialize, ToSchema, Deserialize)]
pub struct Health {
    pub status: String,
}
