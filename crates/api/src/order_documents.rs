//! `/api/v1/orders/{id}/documents/{kind}.pdf` and `/api/v1/verify/{hash}`: the order's
//! documents as PDF for whoever may read the order, and the public check of a
//! document's SHA-256. See `docs/DOCUMENTS.md`.

use crate::extract::{path_id, AuthUser};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use pasar_order::documents::{self, DocumentKind, VerifiedDocument};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/orders/{id}/documents/{file}").route(web::get().to(pdf)))
        .service(web::resource("/verify/{hash}").route(web::get().to(verify)));
}

/// A PDF file of one of the order's documents, and the name to save it under.
pub struct PdfFile {
    pub bytes: Vec<u8>,
    pub filename: String,
}

/// The PDF of `kind` for `order_id`, as `actor` may read it: the one function behind
/// the API's and the pages' downloads.
pub async fn order_pdf(
    state: &web::Data<AppState>,
    actor: pasar_auth::Actor,
    order_id: String,
    kind: DocumentKind,
) -> Result<PdfFile, ApiError> {
    let st = state.clone();
    state
        .run(move |conn| {
            let (order, doc) = documents::document_of(conn, &st.orders, &actor, &order_id, kind)?;
            let content = pasar_report::pdf::document(&order, &doc, st.orders.time_zone(), &st.auth.public_url);
            let safe: String =
                doc.number.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
            Ok::<_, pasar_order::OrderError>(PdfFile {
                bytes: pasar_report::pdf::render(&content),
                filename: format!("{}-{safe}.pdf", kind.slug()),
            })
        })
        .await
}

/// The reply carrying a PDF: shown in the browser, saved under the document's number,
/// never kept by a shared cache.
pub fn pdf_reply(file: PdfFile) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{}\"", file.filename)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(file.bytes)
}

/// One of the order's documents as an A4 PDF (`surat-pesanan.pdf`, `bast.pdf`,
/// `invoice.pdf`): its parties, numbers, dates, lines and totals, its SHA-256, and a QR
/// code of `{server.public_url}/verify/{sha256}`. Whoever may read the order may fetch
/// it (404 for anyone else); 404 too while the document is not issued yet.
#[utoipa::path(get, path = "/api/v1/orders/{id}/documents/{file}", tag = "orders", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Order id"),
        ("file" = String, Path, pattern = "^(surat-pesanan|bast|invoice)\\.pdf$",
            description = "`surat-pesanan.pdf`, `bast.pdf` or `invoice.pdf`")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "No such order for the caller, no such document, or not issued yet", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pdf(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let AuthUser(actor) = user;
    let (id, file) = path.into_inner();
    let id = path_id::<uuid::Uuid>(&id, "order")?.to_string();
    let kind = file
        .strip_suffix(".pdf")
        .and_then(DocumentKind::parse)
        .ok_or_else(|| ApiError::not_found("No such document: surat-pesanan.pdf, bast.pdf or invoice.pdf."))?;
    Ok(pdf_reply(order_pdf(&state, actor, id, kind).await?))
}

/// The public check of a document: the kind, number, date, the buying satker's and the
/// vendor's names and the total of the document whose SHA-256 this is, and nothing
/// else. No sign-in. A malformed hash is a 422 naming `hash`; an unknown one a 404.
#[utoipa::path(get, path = "/api/v1/verify/{hash}", tag = "orders", security(()),
    params(("hash" = String, Path, pattern = "^[0-9A-Fa-f]{64}$", description = "The document's SHA-256: 64 hexadecimal digits")),
    responses(
        (status = 200, body = VerifiedDocument),
        (status = 404, description = "No document has this hash", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`hash` is not 64 hexadecimal digits", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(state: web::Data<AppState>, hash: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (st, hash) = (state.clone(), hash.into_inner());
    let found = state.run(move |conn| documents::verify(conn, &st.orders, &hash)).await?;
    Ok(HttpResponse::Ok().json(found))
}
