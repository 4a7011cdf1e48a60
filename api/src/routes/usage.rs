//! Usage of a tenant, for itself and for the operator.

use actix_web::{get, web};
use parley_core::Parley;
use parley_core::media::{self};
use parley_core::tenants;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{OperatorAuth, ServerAuth};
use crate::error::{ApiResult, Problem};
pub use parley_wire::media::Usage;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(app_usage).service(tenant_usage);
}

/// The app's usage (storage).
#[utoipa::path(tag = "app", security(("secret_key" = [])),
    responses((status = 200, body = Usage), (status = "4XX", body = Problem)))]
#[get("/v1/usage")]
async fn app_usage(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
) -> ApiResult<web::Json<Usage>> {
    Ok(web::Json(Usage {
        storage: media::storage_usage(&ctx, caller.tenant_id()).await?,
    }))
}

/// A tenant's usage (storage).
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 200, body = Usage), (status = "4XX", body = Problem)))]
#[get("/admin/v1/tenants/{tenant_id}/usage")]
async fn tenant_usage(
    _: OperatorAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Usage>> {
    let tenant = tenants::get(&ctx, &path).await?;
    Ok(web::Json(Usage {
        storage: media::storage_usage(&ctx, &tenant.id).await?,
    }))
}
