//! The order's documents: the Surat Pesanan (its text, its SHA-256 and the PPK's
//! signature), the BAST and the invoice, and the register that finds each by its
//! SHA-256 (`order_documents`).
//!
//! Every document is hashed once, when it is issued, over its text as kept on the order:
//! the Surat Pesanan's `sp_content`, the BAST's `bast_content`, the invoice's figures as
//! stored (`invoice_json`). The API, the pages and the PDFs all read that one hash.

use crate::error::OrderError;
use crate::settings::OrderSettings;
use crate::store::{self, DocumentRow, LineRow, OrderRow};
use crate::tax::{InvoiceLine, VendorTaxFacts};
use crate::view::{self, OrderView};
use chrono::{DateTime, NaiveDate, Utc};
use pasar_auth::model::Actor;
use pasar_core::Rupiah;
use pasar_db::time::{from_db, to_db};
use pasar_db::DbConn;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Lower-case hex SHA-256 of a document's text.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// How a document gets signed. Today the signer's own authenticated account confirms
/// ([`AccountConfirmation`]); a certified electronic-signature provider (BSrE, a PSrE)
/// plugs in here and returns its own reference.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// Signs the document whose SHA-256 is `sha256` for `signer`; the record is kept
    /// with the document.
    fn sign(&self, signer: &Actor, sha256: &str, at: DateTime<Utc>) -> Result<serde_json::Value, OrderError>;
}

/// The signer's authenticated session confirms the document: the record names the
/// user, the time and the hash it confirmed.
#[derive(Debug, Default)]
pub struct AccountConfirmation;

impl Signer for AccountConfirmation {
    fn sign(&self, signer: &Actor, sha256: &str, at: DateTime<Utc>) -> Result<serde_json::Value, OrderError> {
        Ok(serde_json::json!({
            "method": "account_confirmation",
            "signer_id": signer.user_id.to_string(),
            "signed_at": at,
            "sha256": sha256,
            "provider_reference": null,
        }))
    }
}

/// The documents an order issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The Surat Pesanan, signed by the PPK at approval.
    SuratPesanan,
    /// The Berita Acara Serah Terima, signed by the PPK after inspection.
    Bast,
    /// The invoice, issued when the vendor countersigns the BAST.
    Invoice,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 3] = [DocumentKind::SuratPesanan, DocumentKind::Bast, DocumentKind::Invoice];

    /// The name stored and sent: `surat_pesanan`, `bast`, `invoice`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::SuratPesanan => "surat_pesanan",
            DocumentKind::Bast => "bast",
            DocumentKind::Invoice => "invoice",
        }
    }

    /// The name in addresses: `surat-pesanan`, `bast`, `invoice`.
    pub fn slug(self) -> &'static str {
        match self {
            DocumentKind::SuratPesanan => "surat-pesanan",
            DocumentKind::Bast => "bast",
            DocumentKind::Invoice => "invoice",
        }
    }

    /// From either name.
    pub fn parse(s: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == s || k.slug() == s)
    }
}

/// A well-formed document hash: 64 hexadecimal digits, lower-cased.
pub fn parse_sha256(raw: &str) -> Result<String, OrderError> {
    let raw = raw.trim();
    if raw.len() != 64 || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(OrderError::field("hash", "must be a SHA-256: 64 hexadecimal digits"));
    }
    Ok(raw.to_ascii_lowercase())
}

/// Records an issued document in the register (inside the caller's transaction).
pub(crate) fn register(
    conn: &mut DbConn,
    order_id: &str,
    kind: DocumentKind,
    sha256: &str,
    number: &str,
    at: DateTime<Utc>,
    total_idr: i64,
) -> Result<(), OrderError> {
    store::insert_document(
        conn,
        &DocumentRow {
            sha256: sha256.to_owned(),
            order_id: order_id.to_owned(),
            kind: kind.as_str().to_owned(),
            number: number.to_owned(),
            issued_at: to_db(at),
            total_idr,
        },
    )?;
    Ok(())
}

/// What a document states as its total: the Surat Pesanan the order's value, the BAST
/// the accepted goods at the agreed prices, the invoice what the bendahara pays.
pub(crate) fn bast_total(lines: &[LineRow]) -> i64 {
    lines.iter().map(|l| l.accepted_quantity.unwrap_or(0).saturating_mul(l.unit_price_idr)).fold(0, i64::saturating_add)
}

pub(crate) fn invoice_total(invoice: &serde_json::Value) -> i64 {
    invoice.get("payable_idr").and_then(|v| v.as_i64()).unwrap_or(0)
}

/// The SHA-256 of the invoice as stored (`invoice_json`, the text hashed).
pub fn invoice_sha256(invoice_json: &str) -> String {
    sha256_hex(invoice_json)
}

/// An issued document of an order, as the register has it, with the parties' names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedDocument {
    pub kind: DocumentKind,
    /// Lower-case hex SHA-256 of the document's text.
    pub sha256: String,
    pub number: String,
    pub issued_at: DateTime<Utc>,
    /// The day of issue in the marketplace's time zone.
    pub issued_on: NaiveDate,
    /// The total the document states (see the kinds).
    pub total_idr: i64,
    pub order_id: String,
    /// The buying satker.
    pub buyer: String,
    /// The organisation the satker belongs to (its OPD or the pemda), if any.
    pub buyer_parent: Option<String>,
    /// The vendor's legal name.
    pub vendor: String,
}

/// What anyone may learn from a document's hash: its kind, number, date, the parties'
/// organisations and its total. No people, no contacts, no lines, no order id.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerifiedDocument {
    pub sha256: String,
    pub kind: DocumentKind,
    pub number: String,
    /// The day of issue in the marketplace's time zone.
    pub issued_on: NaiveDate,
    pub total_idr: i64,
    /// The buying satker.
    pub buyer: String,
    /// The organisation the satker belongs to (its OPD or the pemda), if any.
    pub buyer_parent: Option<String>,
    /// The vendor's legal name.
    pub vendor: String,
}

impl From<IssuedDocument> for VerifiedDocument {
    fn from(d: IssuedDocument) -> Self {
        VerifiedDocument {
            sha256: d.sha256,
            kind: d.kind,
            number: d.number,
            issued_on: d.issued_on,
            total_idr: d.total_idr,
            buyer: d.buyer,
            buyer_parent: d.buyer_parent,
            vendor: d.vendor,
        }
    }
}

fn issued(conn: &mut DbConn, settings: &OrderSettings, row: DocumentRow) -> Result<IssuedDocument, OrderError> {
    let order = store::find_order(conn, &row.order_id)?.ok_or(OrderError::NotFound("document"))?;
    let satker = pasar_auth::store::find_organization(conn, &order.satker_id)?;
    let parent = match satker.as_ref().and_then(|s| s.parent_id.clone()) {
        Some(p) => pasar_auth::store::find_organization(conn, &p)?.map(|o| o.name),
        None => None,
    };
    let vendor = pasar_vendor_onboarding::billing::billing_facts(conn, &order.vendor_id)?
        .map(|v| v.legal_name)
        .unwrap_or_default();
    let kind = DocumentKind::parse(&row.kind).ok_or_else(|| crate::error::corrupt("unknown document kind"))?;
    let at = from_db(row.issued_at);
    Ok(IssuedDocument {
        kind,
        sha256: row.sha256,
        number: row.number,
        issued_at: at,
        issued_on: pasar_core::clock::local_date(at, settings.time_zone()),
        total_idr: row.total_idr,
        order_id: row.order_id,
        buyer: satker.map(|s| s.name).unwrap_or_default(),
        buyer_parent: parent,
        vendor,
    })
}

/// The public facts of the document with this hash (anyone, signed in or not); a
/// malformed hash is refused naming `hash`, an unknown one is "not found".
pub fn verify(conn: &mut DbConn, settings: &OrderSettings, hash: &str) -> Result<VerifiedDocument, OrderError> {
    let hash = parse_sha256(hash)?;
    let row = store::find_document(conn, &hash)?.ok_or(OrderError::NotFound("document"))?;
    Ok(issued(conn, settings, row)?.into())
}

/// The order (for whoever may see it: "not found" for anyone else) and one of its
/// issued documents ("not found" until it is issued).
pub fn document_of(
    conn: &mut DbConn,
    settings: &OrderSettings,
    actor: &Actor,
    order_id: &str,
    kind: DocumentKind,
) -> Result<(OrderView, IssuedDocument), OrderError> {
    let order = view::get_order(conn, actor, order_id)?;
    let row = store::documents_of(conn, order_id)?
        .into_iter()
        .find(|d| d.kind == kind.as_str())
        .ok_or(OrderError::NotFound("document"))?;
    Ok((order, issued(conn, settings, row)?))
}

/// Registers the BASTs and invoices issued before the register existed (their text
/// composed and hashed now, from what the order kept), a batch at a time, each with an
/// `order.document_registered` audit entry; returns how many it registered. Run at
/// start-up; a second run finds nothing to do.
pub fn backfill(conn: &mut DbConn, settings: &OrderSettings, now: DateTime<Utc>) -> Result<usize, OrderError> {
    let audit = |conn: &mut DbConn, order_id: &str, kind: DocumentKind, sha256: &str| {
        let after = serde_json::json!({ "kind": kind, "sha256": sha256, "registered_later": true });
        view::audit_order(conn, now, None, order_id, "order.document_registered", after)
    };
    let mut done = 0;
    loop {
        let n = pasar_db::write_tx(conn, |conn| -> Result<usize, OrderError> {
            let mut n = 0;
            for mut row in store::unregistered(conn, "bast", 100)? {
                let (Some(number), Some(at)) = (row.bast_number.clone(), row.bast_signed_at) else { continue };
                let lines = store::lines(conn, &row.id)?;
                let day = pasar_core::clock::local_date(from_db(at), settings.time_zone());
                let content = match row.bast_content.clone() {
                    Some(c) => c,
                    None => bast(conn, &row, &lines, &number, day)?,
                };
                let sha = sha256_hex(&content);
                register(conn, &row.id, DocumentKind::Bast, &sha, &number, from_db(at), bast_total(&lines))?;
                audit(conn, &row.id, DocumentKind::Bast, &sha)?;
                row.bast_content = Some(content);
                store::save_order(conn, &row)?;
                n += 1;
            }
            for row in store::unregistered(conn, "invoice", 100)? {
                let (Some(json), Some(at)) = (row.invoice_json.as_deref(), row.invoiced_at) else { continue };
                let number = row.invoice_number.clone().unwrap_or_default();
                let total = invoice_total(&serde_json::from_str(json).unwrap_or_default());
                let sha = invoice_sha256(json);
                register(conn, &row.id, DocumentKind::Invoice, &sha, &number, from_db(at), total)?;
                audit(conn, &row.id, DocumentKind::Invoice, &sha)?;
                n += 1;
            }
            Ok(n)
        })?;
        done += n;
        if n == 0 {
            return Ok(done);
        }
    }
}

/// The BAST as the PPK signs it: plain text, one fact per line, like the Surat Pesanan.
pub fn bast(
    conn: &mut DbConn,
    order: &OrderRow,
    lines: &[LineRow],
    number: &str,
    date: NaiveDate,
) -> Result<String, OrderError> {
    let satker = pasar_auth::store::find_organization(conn, &order.satker_id)?
        .map(|o| o.name)
        .unwrap_or_else(|| order.satker_id.clone());
    let vendor = pasar_vendor_onboarding::billing::billing_facts(conn, &order.vendor_id)?
        .map(|v| v.legal_name)
        .unwrap_or_else(|| order.vendor_id.clone());
    let ppk_name = pasar_auth::service::find_account(conn, &order.ppk_id)?.map(|a| a.name).unwrap_or_default();
    let mut t = String::new();
    let _ = writeln!(t, "BERITA ACARA SERAH TERIMA");
    let _ = writeln!(t, "Nomor: {number}");
    let _ = writeln!(t, "Tanggal: {date}");
    let _ = writeln!(t, "Pesanan: {}", order.id);
    let _ = writeln!(t, "Surat Pesanan: {}", order.sp_number.as_deref().unwrap_or("-"));
    let _ = writeln!(t, "Satuan kerja: {satker} ({})", order.satker_id);
    let _ = writeln!(t, "PPK: {ppk_name} ({})", order.ppk_id);
    let _ = writeln!(t, "Penyedia: {vendor} ({})", order.vendor_id);
    for l in lines {
        let accepted = l.accepted_quantity.unwrap_or(0);
        let _ = writeln!(
            t,
            "Baris {}: {} | dipesan {} {}, dikirim {}, diterima {} | {} x {} = {} | kondisi {}",
            l.line_no,
            l.product_name,
            l.quantity,
            l.unit,
            l.shipped_quantity,
            accepted,
            accepted,
            Rupiah(l.unit_price_idr),
            Rupiah(accepted.saturating_mul(l.unit_price_idr)),
            l.condition.as_deref().unwrap_or("-")
        );
    }
    let _ = writeln!(t, "Jumlah diterima: {}", Rupiah(bast_total(lines)));
    Ok(t)
}

fn org_name(conn: &mut DbConn, actor: &Actor, id: &str) -> String {
    pasar_auth::service::get_organization(conn, actor, id).map(|o| o.name).unwrap_or_else(|_| id.to_owned())
}

/// The Surat Pesanan as signed: plain text, one fact per line, so that its hash can be
/// checked by anyone holding a copy.
pub fn surat_pesanan(
    conn: &mut DbConn,
    ppk: &Actor,
    order: &OrderRow,
    lines: &[LineRow],
    number: &str,
    date: NaiveDate,
) -> Result<String, OrderError> {
    let satker = org_name(conn, ppk, &order.satker_id);
    let vendor = pasar_vendor_onboarding::billing::billing_facts(conn, &order.vendor_id)?
        .map(|v| v.legal_name)
        .unwrap_or_else(|| order.vendor_id.clone());
    let ppk_name = pasar_auth::service::find_account(conn, &order.ppk_id)?.map(|a| a.name).unwrap_or_default();
    let mut t = String::new();
    let _ = writeln!(t, "SURAT PESANAN");
    let _ = writeln!(t, "Nomor: {number}");
    let _ = writeln!(t, "Tanggal: {date}");
    let _ = writeln!(t, "Pesanan: {}", order.id);
    let _ = writeln!(t, "Satuan kerja: {satker} ({})", order.satker_id);
    let _ = writeln!(t, "PPK: {ppk_name} ({})", order.ppk_id);
    let _ = writeln!(t, "Penyedia: {vendor} ({})", order.vendor_id);
    let _ = writeln!(t, "Metode: {}", order.method);
    let _ = writeln!(t, "Kode RUP: {}", order.rup_code);
    let _ = writeln!(t, "Kode rekening: {}", order.budget_line);
    let _ = writeln!(t, "Sumber dana: {}", order.funding_source);
    let _ = writeln!(t, "Alamat pengiriman: {}", order.delivery_address);
    let _ = writeln!(t, "Tanggal pengiriman: {}", order.delivery_date);
    for l in lines {
        let amount = Rupiah(l.quantity.saturating_mul(l.unit_price_idr));
        let _ = writeln!(
            t,
            "Baris {}: {} | {} {} x {} = {} | TKDN {} bp, BMP {} bp, {}",
            l.line_no,
            l.product_name,
            l.quantity,
            l.unit,
            Rupiah(l.unit_price_idr),
            amount,
            l.tkdn_bp,
            l.bmp_bp,
            l.pdn_class
        );
    }
    let _ = writeln!(t, "Jumlah: {}", Rupiah(order.total_idr));
    Ok(t)
}

/// The invoice's figures for the accepted quantities at the agreed prices, with the
/// taxes of the invoice date, as stored on the order.
pub fn invoice(
    conn: &mut DbConn,
    settings: &OrderSettings,
    order: &OrderRow,
    lines: &[LineRow],
    number: &str,
    date: NaiveDate,
) -> Result<serde_json::Value, OrderError> {
    let vendor = pasar_vendor_onboarding::billing::billing_facts(conn, &order.vendor_id)?
        .ok_or(OrderError::NotFound("vendor"))?;
    let facts = VendorTaxFacts { is_pkp: vendor.pkp, pp55_valid_until: vendor.pp55_valid_until };
    let items: Vec<InvoiceLine> = lines
        .iter()
        .map(|l| InvoiceLine { quantity: l.accepted_quantity.unwrap_or(0), unit_price: Rupiah(l.unit_price_idr) })
        .collect();
    let figures = settings.tax.invoice(date, &facts, &items).map_err(|e| OrderError::Conflict(e.to_string()))?;
    let mut v = serde_json::to_value(&figures).map_err(crate::error::corrupt)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("number".into(), number.into());
        o.insert("order_id".into(), order.id.clone().into());
        o.insert("vendor_name".into(), vendor.legal_name.into());
        o.insert("payable_idr".into(), figures.payable.0.into());
        o.insert(
            "line_names".into(),
            lines
                .iter()
                .map(|l| serde_json::json!({ "line": l.line_no, "product_name": l.product_name, "unit": l.unit }))
                .collect(),
        );
    }
    Ok(v)
}
