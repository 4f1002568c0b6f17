//! Product photos: uploaded by the vendor's users, judged by their content (JPEG or
//! PNG that really decodes), kept with a 320-pixel JPEG thumbnail; the first one is the
//! cover that search results show.
//!
//! Photos are curated with their product. A new photo is seen only by the vendor and
//! the curation desk until a curator approves the product, or the change it brought: on
//! a published product an upload sends the product back for review (buyers keep seeing
//! the approved photos meanwhile). A change the curator rejects leaves its photos
//! unapproved; they go to the curator with the product's next change, or the vendor
//! removes them. A curator's approval may name the photos they saw
//! (`ProductReview::images`); one uploaded while they looked then waits too.

use crate::model::ProductStatus;
use crate::shared::{audit_entry, corrupt, readable, selling_vendor, send_back_for_review};
use crate::store::{self, ImageRow};
use crate::CatalogError;
use chrono::{DateTime, Utc};
use pasar_auth::model::Actor;
use pasar_core::id::ProductId;
use pasar_core::storage::{FileStore, FileType};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use pasar_vendor_onboarding::service::VendorSettings;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Photos per product.
pub const MAX_IMAGES: usize = 10;
/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_PX: u32 = 320;

/// Where a photo's thumbnail is served (also a search document's cover).
pub fn thumbnail_url(product_id: &str, image_id: &str) -> String {
    format!("/api/v1/products/{product_id}/images/{image_id}/thumbnail")
}

/// Larger pictures are refused before they are decoded (a small file can claim a huge
/// canvas).
const MAX_SIDE_PX: u32 = 10_000;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImageView {
    pub id: String,
    pub position: i32,
    pub content_type: String,
    pub size_bytes: i64,
    pub width: i32,
    pub height: i32,
    pub sha256: String,
    pub url: String,
    pub thumbnail_url: String,
    pub created_at: DateTime<Utc>,
    /// Approved by a curator; buyers see approved photos only.
    pub approved: bool,
}

impl From<ImageRow> for ImageView {
    fn from(r: ImageRow) -> Self {
        let base = format!("/api/v1/products/{}/images/{}", r.product_id, r.id);
        ImageView {
            thumbnail_url: thumbnail_url(&r.product_id, &r.id),
            url: base,
            id: r.id,
            position: r.position,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            width: r.width,
            height: r.height,
            sha256: r.sha256,
            created_at: from_db(r.created_at),
            approved: r.approved_at.is_some(),
        }
    }
}

/// A checked picture: its type, size and thumbnail.
struct Checked {
    file_type: FileType,
    width: u32,
    height: u32,
    thumbnail: Vec<u8>,
}

fn bad_file(message: impl Into<String>) -> CatalogError {
    CatalogError::field("file", message)
}

fn check(bytes: &[u8]) -> Result<Checked, CatalogError> {
    let file_type = match FileType::sniff(bytes) {
        Some(t @ (FileType::Jpeg | FileType::Png)) => t,
        _ => return Err(bad_file("must be a JPEG or PNG picture")),
    };
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes));
    reader.set_format(match file_type {
        FileType::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::Jpeg,
    });
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    // A decoder bug must not take the worker thread down with a crafted file.
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.decode()))
        .map_err(|_| bad_file("is not a readable picture"))?;
    let picture = decoded.map_err(|e| match e {
        image::ImageError::Limits(_) => bad_file(format!("must be at most {MAX_SIDE_PX} pixels on each side")),
        other => bad_file(format!("is not a readable picture: {other}")),
    })?;
    let thumb = picture.thumbnail(THUMBNAIL_PX, THUMBNAIL_PX).to_rgb8();
    let mut thumbnail = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut thumbnail, 80)
        .encode_image(&thumb)
        .map_err(|e| CatalogError::Storage(format!("thumbnail: {e}")))?;
    Ok(Checked { file_type, width: picture.width(), height: picture.height(), thumbnail })
}

/// Whether the caller may change this product's photos: its vendor's own users, the
/// vendor approved (another vendor: not found; curators and others: forbidden). The
/// API asks before reading an upload's body; the upload asks again in its transaction.
pub fn may_change(conn: &mut DbConn, actor: &Actor, product_id: &ProductId) -> Result<(), CatalogError> {
    may_change_photos(conn, actor, &product_id.to_string())
}

/// [`may_change`], for the functions here that hold the id as the store keeps it.
fn may_change_photos(conn: &mut DbConn, actor: &Actor, product_id: &str) -> Result<(), CatalogError> {
    let row = store::find_product(conn, product_id)?.ok_or(CatalogError::NotFound("product"))?;
    selling_vendor(conn, actor, &row.vendor_id)?;
    Ok(())
}

/// Adds a photo at the end (the vendor's own users).
pub fn upload(
    conn: &mut DbConn,
    files: &dyn FileStore,
    now: DateTime<Utc>,
    actor: &Actor,
    product_id: &ProductId,
    bytes: &[u8],
) -> Result<ImageView, CatalogError> {
    let product_id = product_id.to_string();
    let product_id = product_id.as_str();
    if bytes.is_empty() {
        return Err(bad_file("is required"));
    }
    // Rights first (cheap), then the decoding, then the files, then the row.
    may_change_photos(conn, actor, product_id)?;
    let checked = check(bytes)?;
    let id = uuid::Uuid::now_v7().to_string();
    let key = format!("products/{product_id}/{id}.{}", checked.file_type.extension());
    let thumb_key = format!("products/{product_id}/{id}.thumb.jpg");
    // Files before the row, so that no row points at nothing; if the row is not written
    // (the limit reached, the product gone meanwhile), the files go again. Only a crash
    // in between can leave an unreachable file.
    files.put(&key, bytes)?;
    if let Err(e) = files.put(&thumb_key, &checked.thumbnail) {
        discard(files, [&key]);
        return Err(e.into());
    }
    let added = write_tx(conn, |conn| {
        may_change_photos(conn, actor, product_id)?;
        // Serialises uploads to one product, so that the limit and positions hold.
        let mut product = store::lock_product(conn, product_id)?.ok_or(CatalogError::NotFound("product"))?;
        let status = ProductStatus::parse(&product.status).map_err(corrupt)?;
        let existing = store::images(conn, product_id)?;
        if existing.len() >= MAX_IMAGES {
            return Err(CatalogError::InvalidState(format!("A product has at most {MAX_IMAGES} photos.")));
        }
        let row = ImageRow {
            id: id.clone(),
            product_id: product_id.to_owned(),
            position: existing.last().map_or(0, |r| r.position + 1),
            storage_key: key.clone(),
            thumb_key: thumb_key.clone(),
            content_type: checked.file_type.mime().into(),
            size_bytes: bytes.len() as i64,
            sha256: hex::encode(Sha256::digest(bytes)),
            width: checked.width as i32,
            height: checked.height as i32,
            uploaded_by: actor.user_id.to_string(),
            created_at: to_db(now),
            approved_at: None,
        };
        store::insert_image(conn, &row)?;
        // A new photo on a published product is a change for the curator.
        if status == ProductStatus::Published {
            send_back_for_review(&mut product, now);
            product.updated_at = to_db(now);
            store::save_product(conn, &product)?;
        }
        audit_entry(
            conn,
            now,
            actor,
            ("product", product_id),
            "product.image_add",
            Some(json!({ "status": status })),
            json!({ "image_id": id, "sha256": row.sha256, "status": product.status }),
        )?;
        Ok(ImageView::from(row))
    });
    if added.is_err() {
        discard(files, [&key, &thumb_key]);
    }
    added
}

/// Deletes files no row points at (any more); one that cannot be deleted is only
/// logged, since nothing can reach it.
fn discard<const N: usize>(files: &dyn FileStore, keys: [&String; N]) {
    for key in keys {
        if let Err(e) = files.delete(key) {
            tracing::warn!(key = %key, error = ?e, "could not delete a photo file no row points at");
        }
    }
}

/// Removes a photo (the vendor's own users). Its files are deleted once the removal
/// has committed; a file that cannot be deleted is only logged (it is unreachable).
pub fn remove(
    conn: &mut DbConn,
    files: &dyn FileStore,
    now: DateTime<Utc>,
    actor: &Actor,
    product_id: &ProductId,
    image_id: &str,
) -> Result<(), CatalogError> {
    let product_id = product_id.to_string();
    let product_id = product_id.as_str();
    let row = write_tx(conn, |conn| {
        may_change_photos(conn, actor, product_id)?;
        let row = store::images(conn, product_id)?
            .into_iter()
            .find(|r| r.id == image_id)
            .ok_or(CatalogError::NotFound("image"))?;
        store::delete_image(conn, product_id, image_id)?;
        crate::search_queue::product(conn, now, product_id)?;
        audit_entry(
            conn,
            now,
            actor,
            ("product", product_id),
            "product.image_remove",
            None,
            json!({ "image_id": image_id }),
        )?;
        Ok::<_, CatalogError>(row)
    })?;
    discard(files, [&row.storage_key, &row.thumb_key]);
    Ok(())
}

/// A product's photos, for whoever may see the product.
pub fn list(
    conn: &mut DbConn,
    settings: &VendorSettings,
    actor: Option<&Actor>,
    product_id: &ProductId,
) -> Result<Vec<ImageView>, CatalogError> {
    let product_id = product_id.to_string();
    let product_id = product_id.as_str();
    let (_, _, full) = readable(conn, settings, actor, product_id)?;
    Ok(store::images(conn, product_id)?
        .into_iter()
        .filter(|r| full || r.approved_at.is_some())
        .map(ImageView::from)
        .collect())
}

/// A photo's bytes and content type (`thumbnail`: the 320-pixel JPEG), for whoever may
/// see the product.
pub fn file(
    conn: &mut DbConn,
    files: &dyn FileStore,
    settings: &VendorSettings,
    actor: Option<&Actor>,
    product_id: &ProductId,
    image_id: &str,
    thumbnail: bool,
) -> Result<(String, Vec<u8>), CatalogError> {
    let product_id = product_id.to_string();
    let product_id = product_id.as_str();
    let (_, _, full) = readable(conn, settings, actor, product_id)?;
    let row = store::images(conn, product_id)?
        .into_iter()
        .find(|r| r.id == image_id && (full || r.approved_at.is_some()))
        .ok_or(CatalogError::NotFound("image"))?;
    let (key, content_type) =
        if thumbnail { (row.thumb_key, "image/jpeg".to_owned()) } else { (row.storage_key, row.content_type) };
    let bytes = files.get(&key)?;
    Ok((content_type, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 30, 30]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn pictures_are_checked_and_thumbnailed() {
        let c = check(&png(1200, 600)).unwrap();
        assert_eq!((c.file_type, c.width, c.height), (FileType::Png, 1200, 600));
        let thumb = image::load_from_memory(&c.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 160));
        assert!(check(b"%PDF-1.7 not a picture").is_err());
        // The right magic bytes, and nothing behind them.
        assert!(check(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]).is_err());
    }
}
