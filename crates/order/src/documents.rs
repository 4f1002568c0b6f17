//! The order's documents: the Surat Pesanan (its text, its SHA-256 and the PPK's
//! signature) and the invoice.

use crate::error::OrderError;
use crate::settings::OrderSettings;
use crate::store::{LineRow, OrderRow};
use crate::tax::{InvoiceLine, VendorTaxFacts};
use chrono::{DateTime, NaiveDate, Utc};
use pasar_auth::model::Actor;
use pasar_core::Rupiah;
use pasar_db::DbConn;
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
