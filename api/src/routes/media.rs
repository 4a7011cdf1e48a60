//! The local media engine's own signed URLs: clients PUT an upload's bytes and GET files
//! here exactly as they would with presigned S3 URLs. The signature (HMAC with the server's
//! media key over method, object, content type, length and expiry) is the credential.
//! With the S3 engine these routes answer 404: URLs point at the store itself.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use futures_util::StreamExt;
use parley_core::entities::upload;
use parley_core::media::sniff;
use parley_core::media::store::{Download, LocalEngine, SignatureProblem, content_disposition};
use parley_core::{Error, ErrorCode, Parley};
use sea_orm::EntityTrait;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiResult, Problem};
use crate::extract::Query;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(put_object).service(get_object);
}

/// The signature of a media URL.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Signed {
    /// Unix time after which the URL no longer works.
    pub expires: i64,
    pub signature: String,
}

/// Raw file bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(#[allow(dead_code)] Vec<u8>);

fn local(ctx: &Parley) -> Result<&LocalEngine, Error> {
    ctx.media
        .local()
        .ok_or_else(|| Error::new(ErrorCode::NotFound, "media is served by the object store"))
}

fn refused(p: SignatureProblem) -> Error {
    match p {
        SignatureProblem::Invalid => Error::new(
            ErrorCode::InvalidSignature,
            "the signature does not match this request (method, object, `Content-Type` and `Content-Length` must be the signed ones)",
        ),
        SignatureProblem::Expired => Error::new(ErrorCode::UrlExpired, "this URL has expired"),
    }
}

/// Upload the bytes of an upload to its signed `put_url` (local media engine).
#[utoipa::path(tag = "uploads", security(("signed_url" = [])),
    params(("tenant_id" = String, Path), ("object" = String, Path), Signed),
    request_body(content = Binary, content_type = "application/octet-stream",
        description = "The file, with exactly the `Content-Type` and `Content-Length` that were signed."),
    responses((status = 204), (status = "4XX", body = Problem)))]
#[put("/v1/media/{tenant_id}/{object}")]
async fn put_object(
    req: HttpRequest,
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    q: Query<Signed>,
    mut body: web::Payload,
) -> ApiResult<HttpResponse> {
    let engine = local(&ctx)?;
    let (tenant, object) = path.into_inner();
    let key = format!("{tenant}/{object}");
    let header_str = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let content_type = header_str(header::CONTENT_TYPE);
    let length: u64 = header_str(header::CONTENT_LENGTH).parse().unwrap_or(0);
    engine
        .verify("PUT", &key, &content_type, length, q.expires, &q.signature)
        .map_err(refused)?;
    parley_core::media::accepts_put(&ctx, &key).await?;
    let path = engine.path(&key)?;
    let tmp = engine.temp_path(&key)?;
    let io = |e: std::io::Error| Error::internal(format!("storing {key}: {e}"));
    if let Some(dir) = tmp.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
    }
    let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
    let mut written: u64 = 0;
    let result: Result<(), Error> = async {
        while let Some(chunk) = body.next().await {
            let chunk =
                chunk.map_err(|e| Error::invalid(format!("the upload was interrupted: {e}")))?;
            written += chunk.len() as u64;
            if written > length {
                return Err(Error::new(
                    ErrorCode::UploadSizeMismatch,
                    format!("more than the signed {length} bytes were sent"),
                ));
            }
            file.write_all(&chunk).await.map_err(io)?;
        }
        if written != length {
            return Err(Error::new(
                ErrorCode::UploadSizeMismatch,
                format!("{written} bytes arrived; {length} were signed"),
            ));
        }
        file.sync_all().await.map_err(io)?;
        tokio::fs::rename(&tmp, &path).await.map_err(io)
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    result?;
    Ok(HttpResponse::NoContent().finish())
}

/// Download a file or thumbnail through its signed URL (local media engine).
#[utoipa::path(tag = "uploads", security(("signed_url" = [])),
    params(("tenant_id" = String, Path), ("object" = String, Path), Signed),
    responses((status = 200, body = Binary, content_type = "application/octet-stream"),
        (status = "4XX", body = Problem)))]
#[get("/v1/media/{tenant_id}/{object}")]
async fn get_object(
    ctx: web::Data<Parley>,
    path: web::Path<(String, String)>,
    q: Query<Signed>,
) -> ApiResult<HttpResponse> {
    let engine = local(&ctx)?;
    let (tenant, object) = path.into_inner();
    let key = format!("{tenant}/{object}");
    engine
        .verify("GET", &key, "", 0, q.expires, &q.signature)
        .map_err(refused)?;
    let gone = || Error::new(ErrorCode::NotFound, "this file no longer exists");
    // Thumbnails are ours (`{id}.thumb.jpg|webp`); originals are described by their upload.
    let (content_type, filename) = match object.split_once(".thumb.") {
        Some((_, "jpg")) => ("image/jpeg".to_owned(), None),
        Some((_, "webp")) => ("image/webp".to_owned(), None),
        Some(_) => return Err(gone().into()),
        None => {
            let row = upload::Entity::find_by_id((tenant.clone(), object.clone()))
                .one(&ctx.db)
                .await
                .map_err(Error::from)?
                .ok_or_else(gone)?;
            (row.content_type, Some(row.filename))
        }
    };
    let file = tokio::fs::File::open(engine.path(&key)?)
        .await
        .map_err(|_| gone())?;
    let len = file
        .metadata()
        .await
        .map_err(|e| Error::internal(format!("reading {key}: {e}")))?
        .len();
    let disposition = content_disposition(&Download {
        content_type: &content_type,
        filename: filename.as_deref(),
        inline: sniff::is_inline(&content_type),
    });
    let max_age = (q.expires - chrono::Utc::now().timestamp()).max(0);
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(web::Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::CACHE_CONTROL, format!("private, max-age={max_age}")))
        .no_chunking(len)
        .streaming(stream))
}
