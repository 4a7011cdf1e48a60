//! The operator API: tenants and their keys, and the worker's jobs.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use parley_core::Parley;
use parley_core::audit::{self, ActorKind, AuditAction, AuditEntry, AuditFilter, TargetKind, Who};
use parley_core::kernel::page::Page;
use parley_core::outbox::{self, Job, JobStatus};
use parley_core::tenants::{
    self, ApiKey, CreatedKey, CreatedTenant, NewKey, NewTenant, Tenant, TenantPatch,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::OperatorAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Query};
pub use parley_wire::jobs::JobDetail;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_tenant)
        .service(list_tenants)
        .service(get_tenant)
        .service(update_tenant)
        .service(delete_tenant)
        .service(create_key)
        .service(list_keys)
        .service(revoke_key)
        .service(list_jobs)
        .service(get_job)
        .service(retry_job)
        .service(audit_log);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// `pending`, `running`, `done` or `dead`.
    pub status: Option<JobStatus>,
    pub tenant_id: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The worker's jobs, newest first: `?status=dead` lists those out of attempts.
#[utoipa::path(tag = "operator", security(("admin_token" = [])), params(JobQuery),
    responses((status = 200, body = Page<Job>), (status = "4XX", body = Problem)))]
#[get("/admin/v1/jobs")]
async fn list_jobs(
    _: OperatorAuth,
    ctx: web::Data<Parley>,
    q: Query<JobQuery>,
) -> ApiResult<web::Json<Page<Job>>> {
    let q = q.into_inner();
    Ok(web::Json(
        outbox::list(
            &ctx,
            q.status,
            q.tenant_id.as_deref(),
            q.limit,
            q.cursor.as_deref(),
        )
        .await?,
    ))
}

/// A job with every attempt.
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 200, body = JobDetail), (status = "4XX", body = Problem)))]
#[get("/admin/v1/jobs/{job_id}")]
async fn get_job(
    _: OperatorAuth,
    ctx: web::Data<Parley>,
    path: web::Path<i64>,
) -> ApiResult<web::Json<JobDetail>> {
    let id = path.into_inner();
    let job = outbox::get(&ctx, id).await?;
    let attempt_log = outbox::attempts(&ctx, id).await?;
    Ok(web::Json(JobDetail { job, attempt_log }))
}

/// Put a dead (or finished) job back in the queue with a fresh set of attempts.
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 202, body = Job), (status = "4XX", body = Problem)))]
#[post("/admin/v1/jobs/{job_id}/retry")]
async fn retry_job(
    _: OperatorAuth,
    ctx: web::Data<Parley>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let job = outbox::retry(&ctx, path.into_inner(), None).await?;
    Ok(HttpResponse::Accepted().json(job))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 200; default 50.
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Create a tenant; its keys and signing secret are shown once.
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 201, body = CreatedTenant), (status = "4XX", body = Problem)))]
#[post("/admin/v1/tenants")]
async fn create_tenant(
    OperatorAuth(request): OperatorAuth,
    ctx: web::Data<Parley>,
    body: Json<NewTenant>,
) -> ApiResult<HttpResponse> {
    let created = tenants::create(&ctx, &Who::operator(&request), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// List tenants.
#[utoipa::path(tag = "operator", security(("admin_token" = [])), params(PageQuery),
    responses((status = 200, body = Page<Tenant>), (status = "4XX", body = Problem)))]
#[get("/admin/v1/tenants")]
async fn list_tenants(
    _: OperatorAuth,
    ctx: web::Data<Parley>,
    q: Query<PageQuery>,
) -> ApiResult<web::Json<Page<Tenant>>> {
    Ok(web::Json(
        tenants::list(&ctx, q.limit, q.cursor.as_deref()).await?,
    ))
}

/// Get a tenant.
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 200, body = Tenant), (status = "4XX", body = Problem)))]
#[get("/admin/v1/tenants/{tenant_id}")]
async fn get_tenant(
    _: OperatorAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Tenant>> {
    Ok(web::Json(tenants::get(&ctx, &path).await?))
}

/// Rename, disable or enable a tenant, or change its settings.
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 200, body = Tenant), (status = "4XX", body = Problem)))]
#[patch("/admin/v1/tenants/{tenant_id}")]
async fn update_tenant(
    OperatorAuth(request): OperatorAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<TenantPatch>,
) -> ApiResult<web::Json<Tenant>> {
    Ok(web::Json(
        tenants::update(&ctx, &Who::operator(&request), &path, body.into_inner()).await?,
    ))
}

/// Delete a tenant and all its data.
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/admin/v1/tenants/{tenant_id}")]
async fn delete_tenant(
    OperatorAuth(request): OperatorAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    tenants::delete(&ctx, &Who::operator(&request), &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create a key for a tenant; the key is shown once.
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 201, body = CreatedKey), (status = "4XX", body = Problem)))]
#[post("/admin/v1/tenants/{tenant_id}/keys")]
async fn create_key(
    OperatorAuth(request): OperatorAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
    body: Json<NewKey>,
) -> ApiResult<HttpResponse> {
    let key = tenants::create_key(&ctx, &Who::operator(&request), &path, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(key))
}

/// List a tenant's keys (without their secrets), with when each was last used.
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 200, body = Vec<ApiKey>), (status = "4XX", body = Problem)))]
#[get("/admin/v1/tenants/{tenant_id}/keys")]
async fn list_keys(
    _: OperatorAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Vec<ApiKey>>> {
    Ok(web::Json(tenants::list_keys(&ctx, &path).await?))
}

/// Revoke a key; it stops working at once.
#[utoipa::path(tag = "operator", security(("admin_token" = [])),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[delete("/admin/v1/tenants/{tenant_id}/keys/{key_id}")]
async fn revoke_key(
    OperatorAuth(request): OperatorAuth,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (tenant_id, key_id) = path.into_inner();
    tenants::revoke_key(&ctx, &Who::operator(&request), &tenant_id, &key_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The operator's audit log query: the tenant's filters, and which tenant.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AdminAuditQuery {
    /// Only this tenant's entries.
    pub tenant_id: Option<String>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only changes by this actor kind.
    pub actor_kind: Option<ActorKind>,
    /// Only changes by this user (or secret key id).
    pub actor_id: Option<String>,
    /// Only changes to targets of this kind.
    pub target_kind: Option<TargetKind>,
    /// Only changes to this target.
    pub target_id: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only entries before this time.
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Every tenant's audit log, newest first: who (the operator, a tenant's server by its key, a
/// user) changed what, when, in which request and from which address. Entries outlive the
/// tenants and users they name until the audit retention ends.
#[utoipa::path(tag = "operator", operation_id = "admin_audit_log", security(("admin_token" = [])), params(AdminAuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = "4XX", body = Problem)))]
#[get("/admin/v1/audit-log")]
async fn audit_log(
    _: OperatorAuth,
    ctx: web::Data<Parley>,
    q: Query<AdminAuditQuery>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    let q = q.into_inner();
    let filter = AuditFilter {
        action: q.action,
        actor_kind: q.actor_kind,
        actor_id: q.actor_id,
        target_kind: q.target_kind,
        target_id: q.target_id,
        since: q.since,
        until: q.until,
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(web::Json(
        audit::list_all(&ctx, q.tenant_id.as_deref(), filter).await?,
    ))
}
