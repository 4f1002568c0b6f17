//! The P3DN report and the lines behind its figures as export tables (see
//! [`crate::export`]): the same functions as the JSON answers, with the same rights.

use crate::export::{Cell, Column, ExportError, Kind, Table};
use crate::p3dn::{self, Figures, LinesQuery, Query, Targets};
use pasar_auth::model::Actor;
use pasar_core::page::{decode_cursor, PageRequest};
use pasar_core::Zone;
use pasar_db::DbConn;

/// Two text columns, then each point's figures.
const REPORT_COLUMNS: [Column; 22] = [
    Column::new("key", "kunci", Kind::Text),
    Column::new("name", "nama", Kind::Text),
    Column::new("committed_total_idr", "belanja (terkontrak)", Kind::Rupiah),
    Column::new("committed_pdn_idr", "belanja PDN (terkontrak)", Kind::Rupiah),
    Column::new("committed_pdn_share_bp", "porsi PDN (terkontrak)", Kind::Percent),
    Column::new("committed_umkk_idr", "belanja UMKK (terkontrak)", Kind::Rupiah),
    Column::new("committed_umkk_share_bp", "porsi UMKK (terkontrak)", Kind::Percent),
    Column::new("committed_local_idr", "belanja lokal (terkontrak)", Kind::Rupiah),
    Column::new("committed_local_share_bp", "porsi lokal (terkontrak)", Kind::Percent),
    Column::new("committed_tkdn_weighted_bp", "TKDN tertimbang (terkontrak)", Kind::Percent),
    Column::new("committed_orders", "pesanan (terkontrak)", Kind::Integer),
    Column::new("committed_vendors", "penyedia (terkontrak)", Kind::Integer),
    Column::new("realised_total_idr", "belanja (terealisasi)", Kind::Rupiah),
    Column::new("realised_pdn_idr", "belanja PDN (terealisasi)", Kind::Rupiah),
    Column::new("realised_pdn_share_bp", "porsi PDN (terealisasi)", Kind::Percent),
    Column::new("realised_umkk_idr", "belanja UMKK (terealisasi)", Kind::Rupiah),
    Column::new("realised_umkk_share_bp", "porsi UMKK (terealisasi)", Kind::Percent),
    Column::new("realised_local_idr", "belanja lokal (terealisasi)", Kind::Rupiah),
    Column::new("realised_local_share_bp", "porsi lokal (terealisasi)", Kind::Percent),
    Column::new("realised_tkdn_weighted_bp", "TKDN tertimbang (terealisasi)", Kind::Percent),
    Column::new("realised_orders", "pesanan (terealisasi)", Kind::Integer),
    Column::new("realised_vendors", "penyedia (terealisasi)", Kind::Integer),
];

/// The report: a first row for the whole scope, then one per group of the breakdown;
/// committed figures, then realised.
pub struct ReportTable {
    actor: Actor,
    targets: Targets,
    query: Query,
    done: bool,
}

impl ReportTable {
    pub fn new(actor: Actor, targets: Targets, query: Query) -> ReportTable {
        ReportTable { actor, targets, query, done: false }
    }
}

fn figures(f: &Figures) -> Vec<Cell> {
    let share = |bp: Option<u32>| bp.map_or(Cell::Empty, |b| Cell::BasisPoints(i64::from(b)));
    vec![
        Cell::Rupiah(f.total_idr),
        Cell::Rupiah(f.pdn.idr),
        share(f.pdn.share_bp),
        Cell::Rupiah(f.umkk.idr),
        share(f.umkk.share_bp),
        Cell::Rupiah(f.local.idr),
        share(f.local.share_bp),
        share(f.tkdn.weighted_bp),
        Cell::Integer(f.orders),
        Cell::Integer(f.vendors),
    ]
}

impl Table for ReportTable {
    fn sheet(&self) -> &str {
        "P3DN"
    }

    fn columns(&self) -> &[Column] {
        &REPORT_COLUMNS
    }

    fn next_page(&mut self, conn: &mut DbConn) -> Result<Vec<Vec<Cell>>, ExportError> {
        if self.done {
            return Ok(Vec::new());
        }
        self.done = true;
        let r = p3dn::report(conn, &self.actor, &self.targets, &self.query)?;
        let row = |key: &str, name: &str, c: &Figures, z: &Figures| {
            let mut cells = vec![Cell::Text(key.to_owned()), Cell::Text(name.to_owned())];
            cells.extend(figures(c));
            cells.extend(figures(z));
            cells
        };
        let scope = r.scope.name.clone().unwrap_or_else(|| "Seluruh marketplace".into());
        let mut rows = vec![row("", &scope, &r.committed, &r.realised)];
        if let Some(b) = &r.breakdown {
            rows.extend(b.groups.iter().map(|g| row(&g.key, &g.name, &g.committed, &g.realised)));
        }
        Ok(rows)
    }
}

const LINE_COLUMNS: [Column; 17] = [
    Column::new("order_id", "pesanan", Kind::Text),
    Column::new("sp_number", "nomor SP", Kind::Text),
    Column::new("line_no", "baris", Kind::Integer),
    Column::new("product_name", "produk", Kind::Text),
    Column::new("unit", "satuan", Kind::Text),
    Column::new("quantity", "jumlah", Kind::Integer),
    Column::new("accepted_quantity", "jumlah diterima", Kind::Integer),
    Column::new("unit_price_idr", "harga satuan", Kind::Rupiah),
    Column::new("value_idr", "nilai", Kind::Rupiah),
    Column::new("committed_at", "SP ditandatangani", Kind::DateTime),
    Column::new("realised_at", "dibayar", Kind::DateTime),
    Column::new("tkdn_bp", "TKDN", Kind::Percent),
    Column::new("pdn_class", "kelas PDN", Kind::Text),
    Column::new("umkk", "UMKK", Kind::Flag),
    Column::new("local_vendor", "penyedia lokal", Kind::Flag),
    Column::new("satker_id", "satker", Kind::Text),
    Column::new("vendor_id", "penyedia", Kind::Text),
];

/// The lines behind a figure, in the order of the drill-down, a thousand at a time.
pub struct LinesTable {
    actor: Actor,
    zone: Zone,
    query: LinesQuery,
    after: Option<String>,
    done: bool,
}

impl LinesTable {
    pub fn new(actor: Actor, zone: Zone, query: LinesQuery) -> LinesTable {
        LinesTable { actor, zone, query, after: None, done: false }
    }
}

impl Table for LinesTable {
    fn sheet(&self) -> &str {
        "Baris P3DN"
    }

    fn columns(&self) -> &[Column] {
        &LINE_COLUMNS
    }

    fn next_page(&mut self, conn: &mut DbConn) -> Result<Vec<Vec<Cell>>, ExportError> {
        if self.done {
            return Ok(Vec::new());
        }
        let page = PageRequest { limit: 1_000, after: self.after.take() };
        let lines = p3dn::lines(conn, &self.actor, self.zone, &self.query, &page)?;
        match lines.next_cursor.as_deref().and_then(decode_cursor) {
            Some(after) => self.after = Some(after),
            None => self.done = true,
        }
        Ok(lines
            .items
            .into_iter()
            .map(|l| {
                vec![
                    Cell::Text(l.order_id),
                    Cell::text(l.sp_number.as_deref()),
                    Cell::Integer(i64::from(l.line_no)),
                    Cell::Text(l.product_name),
                    Cell::Text(l.unit),
                    Cell::Integer(l.quantity),
                    l.accepted_quantity.map_or(Cell::Empty, Cell::Integer),
                    Cell::Rupiah(l.unit_price_idr),
                    Cell::Rupiah(l.value_idr),
                    Cell::DateTime(l.committed_at),
                    l.realised_at.map_or(Cell::Empty, Cell::DateTime),
                    Cell::BasisPoints(i64::from(l.tkdn_bp)),
                    Cell::Text(l.pdn_class),
                    Cell::Flag(l.umkk),
                    Cell::Flag(l.local_vendor),
                    Cell::Text(l.satker_id),
                    Cell::Text(l.vendor_id),
                ]
            })
            .collect())
    }
}
