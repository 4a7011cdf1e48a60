//! The tenant's audit log.

use actix_web::{get, web};
use parley_core::Parley;
use parley_core::audit::{self, AuditEntry, AuditFilter};
use parley_core::kernel::page::Page;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::ServerAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::Query;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(audit_log);
}

/// The app's audit log, newest first (the tenant server): who (the tenant server by its key
/// id, a user, the operator) changed keys, settings, channel types, bans, flags, roles, or
/// deleted or exported data; when, in which request (`X-Request-Id`) and from which address.
/// Entries name what changed, never message text or secrets, and are kept for the server's
/// audit retention (a year by default).
#[utoipa::path(tag = "moderation", security(("secret_key" = [])), params(AuditFilter),
    responses((status = 200, body = Page<AuditEntry>), (status = "4XX", body = Problem)))]
#[get("/v1/audit-log")]
async fn audit_log(
    ServerAuth(caller): ServerAuth,
    ctx: web::Data<Parley>,
    q: Query<AuditFilter>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    Ok(web::Json(audit::list(&ctx, &caller, q.into_inner()).await?))
}
