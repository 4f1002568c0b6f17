//! The order list, the invoice list and the order lines as export [`Table`]s.
//!
//! Each is scoped exactly as `GET /api/v1/orders` is: the caller's query becomes an
//! [`OrderFilter`] through [`pasar_order::view::scoped_filter`] (a satker's people get
//! their satker's orders, a vendor its own, administrators and auditors all), and all
//! three tables read their orders through the one query here, newest first, in pages
//! keyed by the last order id (UUID v7 ids sort by creation). The invoice list is the
//! orders that have an invoice; the order lines are read page by page of orders, with
//! the facts frozen on each line at the Surat Pesanan.

mod store;

use crate::export::{Cell, Column, ExportError, Kind, Table};
use pasar_db::time::from_db;
use pasar_db::DbConn;
use pasar_order::model::OrderState;
use pasar_order::store::OrderFilter;
use std::collections::HashMap;
use store::{LineCols, OrderCols};

/// Orders read per page (the order lines: the lines of this many orders).
const PAGE: i64 = 500;

/// Which list to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Orders,
    Invoices,
    OrderLines,
}

impl List {
    /// The first part of the file name (`pesanan-2026-12-02.csv`).
    pub fn file_stem(self) -> &'static str {
        match self {
            List::Orders => "pesanan",
            List::Invoices => "tagihan",
            List::OrderLines => "rincian-pesanan",
        }
    }
}

/// The states an invoice can be in (the orders the invoice lists show).
pub const INVOICE_STATES: &[OrderState] =
    &[OrderState::Invoiced, OrderState::AwaitingPayment, OrderState::Paid, OrderState::Completed];

/// The export of `list` over the orders `filter` selects; `None` (a query that can find
/// nothing, see [`pasar_order::view::scoped_filter`]) gives the header row alone.
pub fn table(list: List, filter: Option<OrderFilter>) -> Box<dyn Table + Send> {
    let pages = Pages { filter, invoiced_only: list == List::Invoices, after: None, done: false };
    let names = Names::default();
    match list {
        List::Orders => Box::new(Orders { pages, names }),
        List::Invoices => Box::new(Invoices { pages, names }),
        List::OrderLines => Box::new(Lines { pages, names, categories: HashMap::new() }),
    }
}

/// Orders page by page, newest first.
struct Pages {
    filter: Option<OrderFilter>,
    invoiced_only: bool,
    after: Option<String>,
    done: bool,
}

impl Pages {
    fn next(&mut self, conn: &mut DbConn) -> Result<Vec<OrderCols>, ExportError> {
        let Some(f) = self.filter.as_ref().filter(|_| !self.done) else { return Ok(Vec::new()) };
        let rows = store::orders(conn, f, self.invoiced_only, self.after.as_deref(), PAGE)?;
        self.done = (rows.len() as i64) < PAGE;
        self.after = rows.last().map(|r| r.id.clone());
        Ok(rows)
    }
}

/// Organisation (satker, vendor) names, read once per export.
#[derive(Default)]
struct Names(HashMap<String, String>);

impl Names {
    fn load(&mut self, conn: &mut DbConn, orders: &[OrderCols]) -> Result<(), ExportError> {
        let mut missing: Vec<&str> = Vec::new();
        for o in orders {
            for id in [&o.satker_id, &o.vendor_id] {
                if !self.0.contains_key(id.as_str()) && !missing.contains(&id.as_str()) {
                    missing.push(id);
                }
            }
        }
        if !missing.is_empty() {
            self.0.extend(store::organization_names(conn, &missing)?);
        }
        Ok(())
    }

    fn of(&self, id: &str) -> Cell {
        Cell::text(self.0.get(id).map(String::as_str))
    }
}

fn opt_time(t: Option<chrono::NaiveDateTime>) -> Cell {
    t.map_or(Cell::Empty, |t| Cell::DateTime(from_db(t)))
}

fn date(s: &str) -> Result<Cell, ExportError> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Cell::Date)
        .map_err(|e| ExportError::Corrupt(format!("delivery date '{s}': {e}")))
}

// ---- the order list ----------------------------------------------------------------------

const ORDER_COLUMNS: &[Column] = &[
    Column::new("id", "ID pesanan", Kind::Text),
    Column::new("checkout_ref", "Ref. checkout", Kind::Text),
    Column::new("sp_number", "No. Surat Pesanan", Kind::Text),
    Column::new("state", "Status", Kind::Text),
    Column::new("created_at", "Dibuat", Kind::DateTime),
    Column::new("updated_at", "Diperbarui", Kind::DateTime),
    Column::new("satker_id", "ID satker", Kind::Text),
    Column::new("satker_name", "Satker", Kind::Text),
    Column::new("vendor_id", "ID penyedia", Kind::Text),
    Column::new("vendor_name", "Penyedia", Kind::Text),
    Column::new("buyer_id", "ID pembeli (PP)", Kind::Text),
    Column::new("ppk_id", "ID PPK", Kind::Text),
    Column::new("method", "Metode", Kind::Text),
    Column::new("rup_code", "Kode RUP", Kind::Text),
    Column::new("budget_line", "Mata anggaran", Kind::Text),
    Column::new("funding_source", "Sumber dana", Kind::Text),
    Column::new("fiscal_year", "Tahun anggaran", Kind::Integer),
    Column::new("delivery_address", "Alamat pengiriman", Kind::Text),
    Column::new("delivery_date", "Tanggal pengiriman", Kind::Date),
    Column::new("hst_total_idr", "Total HST", Kind::Rupiah),
    Column::new("total_idr", "Total", Kind::Rupiah),
    Column::new("due_at", "Batas waktu", Kind::DateTime),
    Column::new("invoice_number", "No. tagihan", Kind::Text),
    Column::new("cancel_reason", "Alasan batal", Kind::Text),
    Column::new("rating", "Penilaian", Kind::Integer),
    Column::new("version", "Versi", Kind::Integer),
    Column::new("note", "Catatan", Kind::Text),
];

struct Orders {
    pages: Pages,
    names: Names,
}

impl Table for Orders {
    fn sheet(&self) -> &str {
        "Pesanan"
    }

    fn columns(&self) -> &[Column] {
        ORDER_COLUMNS
    }

    fn next_page(&mut self, conn: &mut DbConn) -> Result<Vec<Vec<Cell>>, ExportError> {
        let orders = self.pages.next(conn)?;
        self.names.load(conn, &orders)?;
        orders
            .iter()
            .map(|o| {
                Ok(vec![
                    Cell::Text(o.id.clone()),
                    Cell::Text(o.checkout_ref.clone()),
                    Cell::text(o.sp_number.as_deref()),
                    Cell::Text(o.state.clone()),
                    Cell::DateTime(from_db(o.created_at)),
                    Cell::DateTime(from_db(o.updated_at)),
                    Cell::Text(o.satker_id.clone()),
                    self.names.of(&o.satker_id),
                    Cell::Text(o.vendor_id.clone()),
                    self.names.of(&o.vendor_id),
                    Cell::Text(o.buyer_id.clone()),
                    Cell::Text(o.ppk_id.clone()),
                    Cell::Text(o.method.clone()),
                    Cell::Text(o.rup_code.clone()),
                    Cell::Text(o.budget_line.clone()),
                    Cell::Text(o.funding_source.clone()),
                    Cell::Integer(o.fiscal_year.into()),
                    Cell::Text(o.delivery_address.clone()),
                    date(&o.delivery_date)?,
                    Cell::Rupiah(o.hst_total_idr),
                    Cell::Rupiah(o.total_idr),
                    opt_time(o.due_at),
                    Cell::text(o.invoice_number.as_deref()),
                    Cell::text(o.cancel_reason.as_deref()),
                    o.rating.map_or(Cell::Empty, |r| Cell::Integer(r.into())),
                    Cell::Integer(o.version.into()),
                    Cell::text(o.note.as_deref()),
                ])
            })
            .collect()
    }
}

// ---- the invoice list --------------------------------------------------------------------

const INVOICE_COLUMNS: &[Column] = &[
    Column::new("invoice_number", "No. tagihan", Kind::Text),
    Column::new("invoice_date", "Tanggal tagihan", Kind::Date),
    Column::new("invoiced_at", "Diterbitkan", Kind::DateTime),
    Column::new("order_id", "ID pesanan", Kind::Text),
    Column::new("sp_number", "No. Surat Pesanan", Kind::Text),
    Column::new("bast_number", "No. BAST", Kind::Text),
    Column::new("state", "Status", Kind::Text),
    Column::new("satker_id", "ID satker", Kind::Text),
    Column::new("satker_name", "Satker", Kind::Text),
    Column::new("vendor_id", "ID penyedia", Kind::Text),
    Column::new("vendor_name", "Penyedia", Kind::Text),
    Column::new("budget_line", "Mata anggaran", Kind::Text),
    Column::new("funding_source", "Sumber dana", Kind::Text),
    Column::new("subtotal_idr", "Harga sebelum PPN", Kind::Rupiah),
    Column::new("dpp_idr", "DPP", Kind::Rupiah),
    Column::new("ppn_idr", "PPN", Kind::Rupiah),
    Column::new("pph22_idr", "PPh 22", Kind::Rupiah),
    Column::new("gross_total_idr", "Total tagihan", Kind::Rupiah),
    Column::new("withheld_by_treasurer_idr", "Dipungut bendahara", Kind::Rupiah),
    Column::new("collected_by_platform_idr", "Dipungut platform", Kind::Rupiah),
    Column::new("payable_idr", "Dibayar bendahara", Kind::Rupiah),
    Column::new("vendor_receives_idr", "Diterima penyedia", Kind::Rupiah),
    Column::new("paid_at", "Dibayar", Kind::DateTime),
];

struct Invoices {
    pages: Pages,
    names: Names,
}

impl Table for Invoices {
    fn sheet(&self) -> &str {
        "Tagihan"
    }

    fn columns(&self) -> &[Column] {
        INVOICE_COLUMNS
    }

    fn next_page(&mut self, conn: &mut DbConn) -> Result<Vec<Vec<Cell>>, ExportError> {
        let orders = self.pages.next(conn)?;
        self.names.load(conn, &orders)?;
        let ids: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
        let paid: HashMap<String, chrono::NaiveDateTime> = store::paid_at(conn, &ids)?;
        orders
            .iter()
            .map(|o| {
                let figures: serde_json::Value = match o.invoice_json.as_deref() {
                    Some(raw) => serde_json::from_str(raw)
                        .map_err(|e| ExportError::Corrupt(format!("invoice of order {}: {e}", o.id)))?,
                    None => serde_json::Value::Null,
                };
                let idr =
                    |k: &str| figures.get(k).and_then(serde_json::Value::as_i64).map_or(Cell::Empty, Cell::Rupiah);
                let day = figures.get("date").and_then(serde_json::Value::as_str).map_or(Ok(Cell::Empty), date)?;
                Ok(vec![
                    Cell::text(o.invoice_number.as_deref()),
                    day,
                    opt_time(o.invoiced_at),
                    Cell::Text(o.id.clone()),
                    Cell::text(o.sp_number.as_deref()),
                    Cell::text(o.bast_number.as_deref()),
                    Cell::Text(o.state.clone()),
                    Cell::Text(o.satker_id.clone()),
                    self.names.of(&o.satker_id),
                    Cell::Text(o.vendor_id.clone()),
                    self.names.of(&o.vendor_id),
                    Cell::Text(o.budget_line.clone()),
                    Cell::Text(o.funding_source.clone()),
                    idr("subtotal"),
                    idr("dpp"),
                    idr("ppn"),
                    idr("pph22"),
                    idr("gross_total"),
                    idr("withheld_by_treasurer"),
                    idr("collected_by_platform"),
                    idr("payable"),
                    idr("vendor_receives"),
                    opt_time(paid.get(&o.id).copied()),
                ])
            })
            .collect()
    }
}

// ---- the order lines ---------------------------------------------------------------------

const LINE_COLUMNS: &[Column] = &[
    Column::new("order_id", "ID pesanan", Kind::Text),
    Column::new("sp_number", "No. Surat Pesanan", Kind::Text),
    Column::new("state", "Status pesanan", Kind::Text),
    Column::new("created_at", "Dibuat", Kind::DateTime),
    Column::new("satker_id", "ID satker", Kind::Text),
    Column::new("satker_name", "Satker", Kind::Text),
    Column::new("vendor_id", "ID penyedia", Kind::Text),
    Column::new("vendor_name", "Penyedia", Kind::Text),
    Column::new("line", "Baris", Kind::Integer),
    Column::new("product_id", "ID produk", Kind::Text),
    Column::new("product_name", "Produk", Kind::Text),
    Column::new("unit", "Satuan", Kind::Text),
    Column::new("quantity", "Jumlah", Kind::Integer),
    Column::new("unit_price_idr", "Harga satuan", Kind::Rupiah),
    Column::new("amount_idr", "Nilai baris", Kind::Rupiah),
    Column::new("tkdn_percent", "TKDN", Kind::Percent),
    Column::new("bmp_percent", "BMP", Kind::Percent),
    Column::new("pdn_class", "Kelas PDN", Kind::Text),
    Column::new("umkk", "UMKK", Kind::Flag),
    Column::new("local_vendor", "Penyedia lokal", Kind::Flag),
    Column::new("vendor_scale", "Skala usaha", Kind::Text),
    Column::new("vendor_region_code", "Kode wilayah penyedia", Kind::Text),
    Column::new("category_id", "ID kategori", Kind::Text),
    Column::new("category_name", "Kategori", Kind::Text),
    Column::new("frozen_at", "Dibekukan (Surat Pesanan)", Kind::DateTime),
];

struct Lines {
    pages: Pages,
    names: Names,
    categories: HashMap<String, String>,
}

impl Lines {
    fn row(&self, o: &OrderCols, l: &LineCols) -> Vec<Cell> {
        vec![
            Cell::Text(o.id.clone()),
            Cell::text(o.sp_number.as_deref()),
            Cell::Text(o.state.clone()),
            Cell::DateTime(from_db(o.created_at)),
            Cell::Text(o.satker_id.clone()),
            self.names.of(&o.satker_id),
            Cell::Text(o.vendor_id.clone()),
            self.names.of(&o.vendor_id),
            Cell::Integer(l.line_no.into()),
            Cell::Text(l.product_id.clone()),
            Cell::Text(l.product_name.clone()),
            Cell::Text(l.unit.clone()),
            Cell::Integer(l.quantity),
            Cell::Rupiah(l.unit_price_idr),
            Cell::Rupiah(l.quantity.saturating_mul(l.unit_price_idr)),
            Cell::BasisPoints(l.tkdn_bp.into()),
            Cell::BasisPoints(l.bmp_bp.into()),
            Cell::Text(l.pdn_class.clone()),
            Cell::Flag(l.umkk),
            Cell::Flag(l.local_vendor),
            Cell::text(l.vendor_scale.as_deref()),
            Cell::text(l.vendor_region_code.as_deref()),
            Cell::Text(l.category_id.clone()),
            Cell::text(self.categories.get(&l.category_id).map(String::as_str)),
            opt_time(l.frozen_at),
        ]
    }
}

impl Table for Lines {
    fn sheet(&self) -> &str {
        "Rincian pesanan"
    }

    fn columns(&self) -> &[Column] {
        LINE_COLUMNS
    }

    fn next_page(&mut self, conn: &mut DbConn) -> Result<Vec<Vec<Cell>>, ExportError> {
        if self.categories.is_empty() {
            self.categories = store::category_names(conn)?;
        }
        // Pages of orders until one has lines (an order always has some; be safe anyway).
        loop {
            let orders = self.pages.next(conn)?;
            if orders.is_empty() {
                return Ok(Vec::new());
            }
            self.names.load(conn, &orders)?;
            let ids: Vec<&str> = orders.iter().map(|o| o.id.as_str()).collect();
            let lines = store::lines(conn, &ids)?;
            let mut by_order: HashMap<&str, Vec<&LineCols>> = HashMap::with_capacity(orders.len());
            for l in &lines {
                by_order.entry(l.order_id.as_str()).or_default().push(l);
            }
            let mut rows = Vec::with_capacity(lines.len());
            for o in &orders {
                for l in by_order.get(o.id.as_str()).into_iter().flatten() {
                    rows.push(self.row(o, l));
                }
            }
            if !rows.is_empty() {
                return Ok(rows);
            }
        }
    }
}
