//! The order's documents beyond their print pages: the PDF download of the Surat
//! Pesanan, BAST and invoice (with the session, for whoever may read the order), and
//! the public page `/verify/{hash}` that confirms a document from its SHA-256 — the
//! address its PDF's QR code opens.

use crate::ctx::{Ctx, PageResult};
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use pasar_api::AppState;
use pasar_core::Code;
use pasar_order::documents::{self, DocumentKind, VerifiedDocument};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::resource("/cetak/{doc}/{id}/pdf").route(web::get().to(pdf)))
        .service(crate::resource("/verify/{hash}").route(web::get().to(verify_page)));
}

/// The document a print page's address names: `surat-pesanan`, `bast`, `tagihan`.
pub fn kind_of(doc: &str) -> Option<DocumentKind> {
    match doc {
        "surat-pesanan" => Some(DocumentKind::SuratPesanan),
        "bast" => Some(DocumentKind::Bast),
        "tagihan" => Some(DocumentKind::Invoice),
        _ => None,
    }
}

/// `GET /cetak/{surat-pesanan|bast|tagihan}/{id}/pdf`: the document as a PDF, through
/// the same function as `GET /api/v1/orders/{id}/documents/{kind}.pdf` (a page 404 for
/// whoever may not read the order, or before the document is issued).
pub async fn pdf(ctx: Ctx, state: web::Data<AppState>, path: web::Path<(String, String)>) -> PageResult {
    let user = ctx.require_user()?;
    let (doc, id) = path.into_inner();
    let Some(kind) = kind_of(&doc).filter(|_| uuid::Uuid::parse_str(&id).is_ok()) else {
        return Err(ctx.error_page(StatusCode::NOT_FOUND, None));
    };
    let file =
        pasar_api::order_documents::order_pdf(&state, user.actor.clone(), id, kind).await.map_err(|e| ctx.fail(e))?;
    Ok(pasar_api::order_documents::pdf_reply(file))
}

#[derive(Template)]
#[template(path = "document_verify.html")]
pub struct VerifyPage<'a> {
    pub ctx: &'a Ctx,
    pub kind: String,
    pub number: String,
    pub date: String,
    pub buyer: String,
    pub buyer_parent: Option<String>,
    pub vendor: String,
    pub total: String,
    pub sha256: String,
}

/// `GET /verify/{hash}`: what the document with this SHA-256 states (kind, number, date,
/// the satker's and the vendor's names, the total), for anyone, signed in or not. An
/// unknown or malformed hash is a 404 page that says so.
pub async fn verify_page(ctx: Ctx, state: web::Data<AppState>, hash: web::Path<String>) -> PageResult {
    let not_found = |ctx: &Ctx| ctx.error_page(StatusCode::NOT_FOUND, Some(ctx.t("verify_doc.unknown")));
    let hash = hash.into_inner();
    if documents::parse_sha256(&hash).is_err() {
        return Err(not_found(&ctx));
    }
    let st = state.clone();
    let found: VerifiedDocument = match state.run(move |conn| documents::verify(conn, &st.orders, &hash)).await {
        Ok(d) => d,
        Err(e) if e.code == Code::NotFound => return Err(not_found(&ctx)),
        Err(e) => return Err(ctx.fail(e)),
    };
    let page = VerifyPage {
        ctx: &ctx,
        kind: ctx.t(&format!("verify_doc.kind_{}", found.kind.as_str())),
        number: found.number,
        date: crate::format::date(found.issued_on, ctx.lang),
        buyer: found.buyer,
        buyer_parent: found.buyer_parent,
        vendor: found.vendor,
        total: ctx.money(&found.total_idr),
        sha256: found.sha256,
    };
    Ok(ctx.ok(&page))
}
