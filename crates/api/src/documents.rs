//! `/api/v1/vendors/{id}/documents`: upload (multipart), list, download, replace.

use crate::extract::AuthUser;
use crate::extract::{path_id, query};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use pasar_core::id::{DocumentId, OrganizationId};
use pasar_core::Code;
use pasar_vendor_onboarding::documents::{self, DocumentView, Upload};
use serde::Deserialize;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/vendors/{id}/documents").route(web::get().to(list)).route(web::post().to(upload)))
        .service(web::resource("/vendors/{id}/documents/{doc}").route(web::put().to(replace)))
        .service(web::resource("/vendors/{id}/documents/{doc}/file").route(web::get().to(download)));
}

/// The multipart form of an upload (for the OpenAPI document).
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// `nib`, `npwp`, `halal`, `pirt`, `bpom`, `sni`, `tkdn`, `bank_account` or `other`
    /// (a replacement keeps the kind of the document it replaces).
    kind: String,
    /// The document's number, e.g. the NIB or the halal certificate number.
    number: Option<String>,
    /// `YYYY-MM-DD`, for documents that expire.
    valid_until: Option<String>,
    /// A PDF, JPEG or PNG file (judged by content), at most `uploads.max_bytes`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(Code::PayloadTooLarge, format!("The file is larger than the {limit} bytes this server accepts."))
        .with_field("file", format!("must be at most {limit} bytes"))
}

/// The text fields of a document upload.
const DOCUMENT_FIELDS: [&str; 3] = ["kind", "number", "valid_until"];

/// Reads a multipart form: a `file` of at most `limit` bytes and the small text
/// `fields` named (the document fields; none for a photo); anything else is refused.
pub async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    fields: &[&str],
) -> Result<Upload, ApiError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::new(Code::UnsupportedMediaType, "Send the file as multipart/form-data.")
            .with_field("content-type", "must be multipart/form-data"));
    }
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit + 64 * 1024) {
        return Err(too_large(limit));
    }
    let malformed = |e: actix_multipart::MultipartError| {
        ApiError::new(Code::MalformedJson, format!("The multipart body is malformed: {e}."))
            .with_field("body", e.to_string())
    };
    let mut form = Multipart::new(req.headers(), payload);
    let mut upload = Upload::default();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        let cap = if name == "file" { limit } else { 1_000 };
        if name == "file" {
            upload.file_name = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
            upload.declared_type = field.content_type().map(|m| m.essence_str().to_owned());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            if bytes.len() + chunk.len() > cap {
                return Err(if name == "file" {
                    too_large(limit)
                } else {
                    ApiError::new(Code::ValidationFailed, format!("The field '{name}' is too long."))
                        .with_field(name.clone(), "must be at most 1000 bytes")
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || {
            String::from_utf8(bytes.clone()).map_err(|_| {
                ApiError::new(Code::ValidationFailed, format!("The field '{name}' is not text."))
                    .with_field(name.clone(), "must be UTF-8 text")
            })
        };
        match name.as_str() {
            "file" => upload.bytes = bytes,
            "kind" if fields.contains(&"kind") => upload.kind = Some(text()?),
            "number" if fields.contains(&"number") => upload.number = Some(text()?),
            "valid_until" if fields.contains(&"valid_until") => upload.valid_until = Some(text()?),
            other => {
                let known = fields.iter().chain(["file"].iter()).copied().collect::<Vec<_>>().join(", ");
                return Err(ApiError::new(Code::ValidationFailed, format!("Unknown form field '{other}'."))
                    .with_field(other, format!("is not a field of this form ({known})")));
            }
        }
    }
    Ok(upload)
}

/// Refuses, before a byte of the body is read, anyone who is not one of the vendor's
/// own users (the service checks again, with the vendor's state, in its transaction).
fn may_upload(actor: &pasar_auth::Actor, vendor: &str) -> Result<(), ApiError> {
    use pasar_auth::access::{relation, Relation};
    match relation(Some(actor), vendor) {
        Relation::Owner | Relation::Staff => Ok(()),
        Relation::Public => Err(ApiError::not_found("No such vendor.")),
        _ => Err(ApiError::new(Code::Forbidden, "Only the vendor's own users upload its documents.")),
    }
}

/// `Content-Disposition` for a stored name: an ASCII fallback and the exact name
/// percent-encoded (RFC 6266), so no name can break the header or spoof its extension.
fn attachment(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "._- ".contains(c) { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn ids(raw: &(String, String)) -> Result<(String, DocumentId), ApiError> {
    let vendor = path_id::<OrganizationId>(&raw.0, "vendor")?.to_string();
    let doc = path_id::<DocumentId>(&raw.1, "document")?;
    Ok((vendor, doc))
}

/// Upload a legal document (the vendor's own users; not while under review).
#[utoipa::path(post, path = "/api/v1/vendors/{id}/documents", tag = "vendors", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 403, description = "Not one of the vendor's own users", body = Problem, content_type = "application/problem+json"),
        (status = 201, body = DocumentView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Under review", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a PDF/JPEG/PNG, or a bad field", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The file store is unavailable (retry after `Retry-After` seconds)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let vendor = path_id::<OrganizationId>(&id, "vendor")?.to_string();
    may_upload(&actor, &vendor)?;
    let form = read_upload(&req, payload, state.limits.upload_bytes, &DOCUMENT_FIELDS).await?;
    let st = state.clone();
    let now = state.now();
    let v = vendor.clone();
    let doc = state
        .run(move |conn| documents::upload(conn, st.files.as_ref(), now, st.vendors.time_zone, &actor, &v, None, form))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/vendors/{vendor}/documents/{}/file", doc.id)))
        .json(doc))
}

/// Replace a document with a newer one of the same kind; the old one stays on record.
#[utoipa::path(put, path = "/api/v1/vendors/{id}/documents/{doc}", tag = "vendors", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id"), ("doc" = uuid::Uuid, Path, description = "Document id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 403, description = "Not one of the vendor's own users", body = Problem, content_type = "application/problem+json"),
        (status = 201, body = DocumentView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The file store is unavailable (retry after `Retry-After` seconds)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let (vendor, doc) = ids(&path)?;
    may_upload(&actor, &vendor)?;
    let form = read_upload(&req, payload, state.limits.upload_bytes, &DOCUMENT_FIELDS).await?;
    let st = state.clone();
    let now = state.now();
    let view = state
        .run(move |conn| {
            documents::upload(conn, st.files.as_ref(), now, st.vendors.time_zone, &actor, &vendor, Some(&doc), form)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `true`: replaced documents too.
    #[param(value_type = Option<bool>)]
    pub all: Option<String>,
}

/// The vendor's documents, newest first (its own users, curators, administrators, auditors).
#[utoipa::path(get, path = "/api/v1/vendors/{id}/documents", tag = "vendors", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id"), ListQuery),
    responses(
        (status = 200, body = Vec<DocumentView>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let vendor = path_id::<OrganizationId>(&id, "vendor")?.to_string();
    let q: ListQuery = query(&req)?;
    let all = match q.all.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid_query("all", "must be true or false")),
    };
    let (now, zone) = (state.now(), state.vendors.time_zone);
    let docs = state.run(move |conn| documents::list(conn, now, zone, &actor, &vendor, all)).await?;
    Ok(HttpResponse::Ok().json(docs))
}

/// Download a document's file.
#[utoipa::path(get, path = "/api/v1/vendors/{id}/documents/{doc}/file", tag = "vendors", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Vendor id"), ("doc" = uuid::Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The file, with its content type", content_type = "application/octet-stream"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The file store is unavailable (retry after `Retry-After` seconds)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn download(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let (vendor, doc) = ids(&path)?;
    let st = state.clone();
    let now = state.now();
    let (view, bytes) = state
        .run(move |conn| documents::download(conn, st.files.as_ref(), now, st.vendors.time_zone, &actor, &vendor, &doc))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(view.content_type.clone())
        .insert_header((header::CONTENT_DISPOSITION, attachment(&view.file_name)))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(header::CacheControl(vec![header::CacheDirective::Private, header::CacheDirective::NoStore]))
        .body(bytes))
}
