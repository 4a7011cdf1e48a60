//! Image thumbnails: decode, apply the EXIF orientation, record the dimensions, scale to at
//! most 320 pixels on the long side and re-encode (JPEG, or lossless WebP when the image has
//! transparency). Re-encoding keeps pixels only, so no metadata (EXIF, GPS) survives.
//! A file that cannot be decoded is marked `failed`; nothing else happens to it.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::THUMBNAIL_SIZE;
use crate::entities::upload;
use crate::kernel::ids::TenantId;
use crate::{Error, Parley, Result};

/// Images larger than this are not thumbnailed (decoding needs the whole file in memory).
const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;
/// Decoder limits, so a small file that claims huge dimensions cannot exhaust memory.
const MAX_DIMENSION: u32 = 16_384;
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;

/// What came out of an image.
struct Made {
    width: u32,
    height: u32,
    thumb: Vec<u8>,
    thumb_type: &'static str,
    thumb_ext: &'static str,
    thumb_width: u32,
    thumb_height: u32,
}

/// Makes the thumbnail of a completed image upload and records it (or `failed`) on the
/// upload. An upload that is gone, not an image, or already done is left alone. Answers the
/// message already sent with the image, if any: it is to be shown again with its thumbnail
/// (or its `failed` state).
pub async fn make_thumbnail(
    ctx: &Parley,
    tenant: &TenantId,
    upload_id: &str,
) -> Result<Option<String>> {
    let Some(row) = upload::Entity::find_by_id((tenant.as_str().to_owned(), upload_id.to_owned()))
        .one(&ctx.db)
        .await?
    else {
        return Ok(None);
    };
    if row.kind != "image"
        || row.status != "complete"
        || row.thumbnail_status.as_deref() == Some("done")
    {
        return Ok(None);
    }
    let size = u64::try_from(row.size).unwrap_or(u64::MAX);
    let made = if size > MAX_SOURCE_BYTES {
        Err(format!("{size} bytes is too large to thumbnail"))
    } else {
        let bytes = ctx.media.read(&row.object_key, size).await?;
        tokio::task::spawn_blocking(move || render(&bytes))
            .await
            .map_err(|e| Error::internal(format!("thumbnail task: {e}")))?
    };
    let by_id = |u: sea_orm::UpdateMany<upload::Entity>| {
        u.filter(upload::Column::TenantId.eq(tenant.as_str()))
            .filter(upload::Column::Id.eq(upload_id))
    };
    let made = match made {
        Ok(m) => m,
        Err(why) => {
            tracing::info!(tenant = %tenant, upload_id, why, "image could not be thumbnailed");
            by_id(upload::Entity::update_many())
                .col_expr(upload::Column::ThumbnailStatus, Expr::value("failed"))
                .exec(&ctx.db)
                .await?;
            return showing_message(ctx, tenant, upload_id).await;
        }
    };
    let thumb_key = format!("{}.thumb.{}", row.object_key, made.thumb_ext);
    let thumb_size = i64::try_from(made.thumb.len()).unwrap_or(i64::MAX);
    ctx.media
        .write(&thumb_key, made.thumb, made.thumb_type)
        .await?;
    let dim = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let res = by_id(upload::Entity::update_many())
        .col_expr(upload::Column::ThumbnailStatus, Expr::value("done"))
        .col_expr(upload::Column::Width, Expr::value(dim(made.width)))
        .col_expr(upload::Column::Height, Expr::value(dim(made.height)))
        .col_expr(upload::Column::ThumbKey, Expr::value(thumb_key.clone()))
        .col_expr(
            upload::Column::ThumbContentType,
            Expr::value(made.thumb_type),
        )
        .col_expr(upload::Column::ThumbSize, Expr::value(thumb_size))
        .col_expr(
            upload::Column::ThumbWidth,
            Expr::value(dim(made.thumb_width)),
        )
        .col_expr(
            upload::Column::ThumbHeight,
            Expr::value(dim(made.thumb_height)),
        )
        .exec(&ctx.db)
        .await?;
    if res.rows_affected == 0 {
        // Deleted while we worked: do not leave the thumbnail behind.
        super::schedule_object_delete(&ctx.db, tenant.as_str(), vec![thumb_key]).await?;
        return Ok(None);
    }
    showing_message(ctx, tenant, upload_id).await
}

/// The message the upload is attached to, if it was sent already.
async fn showing_message(
    ctx: &Parley,
    tenant: &TenantId,
    upload_id: &str,
) -> Result<Option<String>> {
    Ok(
        upload::Entity::find_by_id((tenant.as_str().to_owned(), upload_id.to_owned()))
            .one(&ctx.db)
            .await?
            .and_then(|u| u.message_id),
    )
}

fn render(bytes: &[u8]) -> std::result::Result<Made, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder.orientation().map_err(|e| e.to_string())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    let (width, height) = (img.width(), img.height());
    let thumb = if width.max(height) > THUMBNAIL_SIZE {
        img.resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, FilterType::Triangle)
    } else {
        img
    };
    let mut out = Vec::new();
    let (thumb_type, thumb_ext) = if thumb.color().has_alpha() {
        let rgba = thumb.to_rgba8();
        WebPEncoder::new_lossless(&mut out)
            .encode(
                rgba.as_raw(),
                rgba.width(),
                rgba.height(),
                image::ExtendedColorType::Rgba8,
            )
            .map_err(|e| e.to_string())?;
        ("image/webp", "webp")
    } else {
        let rgb = thumb.to_rgb8();
        JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&rgb)
            .map_err(|e| e.to_string())?;
        ("image/jpeg", "jpg")
    };
    Ok(Made {
        width,
        height,
        thumb_width: thumb.width(),
        thumb_height: thumb.height(),
        thumb: out,
        thumb_type,
        thumb_ext,
    })
}
