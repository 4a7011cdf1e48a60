//! Uploads: create one (a signed PUT URL), complete it, read it with a fresh download URL.

use actix_web::{HttpResponse, get, post, web};
use parley_core::Parley;
use parley_core::media::{self, Attachment, CreatedUpload, NewUpload, Upload};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AnyAuth;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_upload)
        .service(complete_upload)
        .service(get_upload);
}

/// Start an upload: checks the app's size and type limits and answers with a URL to PUT the
/// bytes to (with exactly the given headers) before `expires_at`.
#[utoipa::path(tag = "uploads", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    responses((status = 201, body = CreatedUpload), (status = "4XX", body = Problem)))]
#[post("/v1/uploads")]
async fn create_upload(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    body: Json<NewUpload>,
) -> ApiResult<HttpResponse> {
    let created = media::create(&ctx, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Complete an upload once its bytes are stored: checks the size and the real type of the
/// file, and returns the attachment to put in a message's `attachments`.
#[utoipa::path(tag = "uploads", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("upload_id" = String, Path)),
    responses((status = 200, body = Attachment), (status = "4XX", body = Problem)))]
#[post("/v1/uploads/{upload_id}/complete")]
async fn complete_upload(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Attachment>> {
    Ok(web::Json(media::complete(&ctx, &caller, &path).await?))
}

/// Get an upload with a fresh signed download URL (its uploader, the tenant server or an admin).
#[utoipa::path(tag = "uploads", security(("secret_key" = []), ("publishable_key" = [], "user_token" = [])),
    params(("upload_id" = String, Path)),
    responses((status = 200, body = Upload), (status = "4XX", body = Problem)))]
#[get("/v1/uploads/{upload_id}")]
async fn get_upload(
    AnyAuth(caller): AnyAuth,
    ctx: web::Data<Parley>,
    path: web::Path<String>,
) -> ApiResult<web::Json<Upload>> {
    Ok(web::Json(media::get(&ctx, &caller, &path).await?))
}
