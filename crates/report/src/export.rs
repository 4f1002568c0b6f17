//! Tables out of Pasar as CSV or XLSX, written while they are read, so that memory does
//! not grow with the number of rows.
//!
//! # The interface
//!
//! A table is anything that implements [`Table`]: a sheet name, its [`Column`]s, and
//! [`Table::next_page`], which reads the next page of rows from the database (keyset
//! pagination: the table remembers the key of the last row it gave) and returns an
//! empty page when it is done. Each row is a `Vec<Cell>`, one [`Cell`] per column:
//!
//! | cell | CSV | XLSX |
//! |---|---|---|
//! | [`Cell::Text`] | as is; a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` so that a spreadsheet never runs it as a formula | an inline string (never a formula) |
//! | [`Cell::Integer`] | `42` | a number |
//! | [`Cell::Rupiah`] (whole rupiah) | `1250000` | a number formatted `Rp1.250.000` |
//! | [`Cell::BasisPoints`] | `45.67` (percent, two decimals, exact) | the fraction 0.4567 formatted `45.67%` |
//! | [`Cell::Date`] | `2026-12-02` | a date |
//! | [`Cell::DateTime`] (UTC) | `2026-12-02T14:05:00+07:00`, in the marketplace's zone | a date and time in the marketplace's zone |
//! | [`Cell::Flag`] | `true` / `false` | a boolean |
//! | [`Cell::Empty`] | an empty field | an empty cell |
//!
//! The CSV header row holds the columns' `name`s (stable, snake_case, for machines); the
//! XLSX header row their `title`s (for people), bold, frozen and with a filter.
//!
//! [`write`] drives a table into a writer in the chosen [`Format`]: CSV row by row; XLSX
//! through `rust_xlsxwriter` in its constant-memory mode, which moves each finished row
//! to a temporary file and writes strings inline instead of in a shared table, so a
//! sheet of a million rows takes no more memory than one of ten. The XLSX archive is
//! itself written as a stream (the ZIP's sizes follow each part), so neither format needs
//! a seekable output: the HTTP layer hands in a writer that feeds the response body.
//!
//! A new export (the P3DN report's tables, say) is a type implementing [`Table`]; see
//! [`crate::lists`] for the order, invoice and order-line tables.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, Utc};
use pasar_core::{Code, ErrorCode, Zone};
use pasar_db::{DbConn, DbError};
use std::io::Write;

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub const ALL: &'static [&'static str] = &["csv", "xlsx"];

    /// `csv` or `xlsx`; the message names what is accepted.
    pub fn parse(s: &str) -> Result<Format, &'static str> {
        match s {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err("must be csv or xlsx"),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// What a column holds (its cells are of the matching [`Cell`] variant, or empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Rupiah,
    /// Basis points, shown as a percentage.
    Percent,
    Date,
    DateTime,
    Flag,
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The CSV header: stable, snake_case, the API's field name where there is one.
    pub name: &'static str,
    /// The XLSX header, for people.
    pub title: &'static str,
    pub kind: Kind,
}

impl Column {
    pub const fn new(name: &'static str, title: &'static str, kind: Kind) -> Column {
        Column { name, title, kind }
    }
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    /// Whole rupiah.
    Rupiah(i64),
    /// 4567 is 45.67 %.
    BasisPoints(i64),
    Date(NaiveDate),
    /// An instant; written in the marketplace's zone.
    DateTime(DateTime<Utc>),
    Flag(bool),
}

impl Cell {
    /// Text, or empty for `None`.
    pub fn text(s: Option<&str>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::Text(s.to_owned()))
    }
}

/// A table to export: its columns, and its rows read page by page.
pub trait Table {
    /// The worksheet's name in XLSX (at most 31 characters, no `[]:*?/\`).
    fn sheet(&self) -> &str;
    fn columns(&self) -> &[Column];
    /// The next page of rows (a few thousand at most), each with one cell per column;
    /// empty when there are no more.
    fn next_page(&mut self, conn: &mut DbConn) -> Result<Vec<Vec<Cell>>, ExportError>;
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Order(#[from] pasar_order::OrderError),
    #[error(transparent)]
    Report(#[from] crate::ReportError),
    /// The output went away (the client hung up) or could not be written.
    #[error("the export could not be written: {0}")]
    Write(String),
    /// A stored value this version does not understand.
    #[error("a stored value does not parse: {0}")]
    Corrupt(String),
}

impl From<diesel::result::Error> for ExportError {
    fn from(e: diesel::result::Error) -> Self {
        ExportError::Db(DbError::Query(e))
    }
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError::Write(e.to_string())
    }
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        ExportError::Write(e.to_string())
    }
}

impl From<rust_xlsxwriter::XlsxError> for ExportError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        ExportError::Write(e.to_string())
    }
}

impl ErrorCode for ExportError {
    fn code(&self) -> Code {
        match self {
            ExportError::Db(e) => e.code(),
            ExportError::Order(e) => e.code(),
            ExportError::Report(e) => e.code(),
            ExportError::Write(_) | ExportError::Corrupt(_) => Code::Internal,
        }
    }

    fn detail(&self) -> String {
        match self {
            ExportError::Db(e) => e.detail(),
            ExportError::Order(e) => e.detail(),
            ExportError::Report(e) => e.detail(),
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Vec<pasar_core::FieldError> {
        match self {
            ExportError::Order(e) => e.field_errors(),
            ExportError::Report(e) => e.field_errors(),
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            ExportError::Db(e) => e.retry_after(),
            _ => None,
        }
    }
}

/// Writes every row of `table` to `out` as `format`; the number of data rows written.
/// Times are written in `zone`. `out` is flushed at the end.
pub fn write<W: Write + Send>(
    format: Format,
    table: &mut dyn Table,
    conn: &mut DbConn,
    zone: Zone,
    out: W,
) -> Result<u64, ExportError> {
    match format {
        Format::Csv => write_csv(table, conn, zone, out),
        Format::Xlsx => write_xlsx(table, conn, zone, out),
    }
}

/// The wall-clock time of `t` in `zone`.
fn local(t: DateTime<Utc>, zone: Zone) -> NaiveDateTime {
    zone.date(t).and_time(zone.time_of_day(t))
}

/// `t` in RFC 3339 with the zone's offset at that instant: `2026-12-02T14:05:00+07:00`.
fn rfc3339_local(t: DateTime<Utc>, zone: Zone) -> String {
    let offset = (local(t, zone) - t.naive_utc()).num_seconds();
    let offset = i32::try_from(offset).ok().and_then(FixedOffset::east_opt).unwrap_or(Utc.fix());
    t.with_timezone(&offset).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `4567` → `45.67`, exactly.
fn percent(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let bp = bp.unsigned_abs();
    format!("{sign}{}.{:02}", bp / 100, bp % 100)
}

/// Text a spreadsheet would take for a formula (OWASP's "CSV injection") gets a
/// leading apostrophe; everything else is left as it is.
fn defuse(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

fn csv_field(cell: &Cell, zone: Zone) -> std::borrow::Cow<'_, str> {
    match cell {
        Cell::Empty => "".into(),
        Cell::Text(s) => defuse(s),
        Cell::Integer(n) | Cell::Rupiah(n) => n.to_string().into(),
        Cell::BasisPoints(bp) => percent(*bp).into(),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string().into(),
        Cell::DateTime(t) => rfc3339_local(*t, zone).into(),
        Cell::Flag(b) => if *b { "true" } else { "false" }.into(),
    }
}

fn write_csv<W: Write>(table: &mut dyn Table, conn: &mut DbConn, zone: Zone, out: W) -> Result<u64, ExportError> {
    let mut csv = csv::WriterBuilder::new().buffer_capacity(64 * 1024).from_writer(out);
    csv.write_record(table.columns().iter().map(|c| c.name))?;
    let width = table.columns().len();
    let mut rows = 0u64;
    loop {
        let page = table.next_page(conn)?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            debug_assert_eq!(row.len(), width, "one cell per column");
            csv.write_record(row.iter().map(|c| csv_field(c, zone).into_owned()))?;
            rows += 1;
        }
    }
    csv.flush()?;
    Ok(rows)
}

/// Excel's last row is 1,048,576: a longer table goes on in another sheet.
const XLSX_MAX_ROWS: u32 = 1_048_576;

fn width_of(c: &Column) -> f64 {
    let by_kind = match c.kind {
        Kind::Text => 24.0,
        Kind::Integer | Kind::Flag | Kind::Percent => 10.0,
        Kind::Rupiah => 16.0,
        Kind::Date => 12.0,
        Kind::DateTime => 18.0,
    };
    f64::max(by_kind, c.title.chars().count() as f64 + 2.0)
}

fn write_xlsx<W: Write + Send>(
    table: &mut dyn Table,
    conn: &mut DbConn,
    zone: Zone,
    out: W,
) -> Result<u64, ExportError> {
    use rust_xlsxwriter::{Format as Style, Workbook, Worksheet};
    let header = Style::new().set_bold();
    // Excel's locale tag 421 is Indonesian: Rp and dots between thousands.
    let rupiah = Style::new().set_num_format("[$Rp-421]#,##0");
    let pct = Style::new().set_num_format("0.00%");
    let date = Style::new().set_num_format("yyyy-mm-dd");
    let time = Style::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let columns = table.columns().to_vec();
    let last_col = u16::try_from(columns.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let name = table.sheet().to_owned();

    let mut workbook = Workbook::new();
    let start = |sheet: &mut Worksheet, n: usize| -> Result<(), ExportError> {
        sheet.set_name(if n == 1 { name.clone() } else { format!("{name} {n}") })?;
        for (i, c) in columns.iter().enumerate() {
            let col = i as u16;
            sheet.set_column_width(col, width_of(c))?;
            sheet.write_string_with_format(0, col, c.title, &header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(())
    };
    let mut sheets = 1;
    let mut sheet = workbook.add_worksheet_with_constant_memory();
    start(sheet, sheets)?;
    let (mut row, mut rows) = (1u32, 0u64);
    loop {
        let page = table.next_page(conn)?;
        if page.is_empty() {
            break;
        }
        for cells in &page {
            if row == XLSX_MAX_ROWS {
                sheet.autofilter(0, 0, row - 1, last_col)?;
                sheets += 1;
                sheet = workbook.add_worksheet_with_constant_memory();
                start(sheet, sheets)?;
                row = 1;
            }
            for (i, cell) in cells.iter().enumerate() {
                let col = i as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) => {
                        sheet.write_string(row, col, s)?;
                    }
                    Cell::Integer(n) => {
                        sheet.write_number(row, col, *n as f64)?;
                    }
                    Cell::Rupiah(n) => {
                        sheet.write_number_with_format(row, col, *n as f64, &rupiah)?;
                    }
                    Cell::BasisPoints(bp) => {
                        sheet.write_number_with_format(row, col, *bp as f64 / 10_000.0, &pct)?;
                    }
                    Cell::Date(d) => {
                        sheet.write_datetime_with_format(row, col, d, &date)?;
                    }
                    Cell::DateTime(t) => {
                        sheet.write_datetime_with_format(row, col, local(*t, zone), &time)?;
                    }
                    Cell::Flag(b) => {
                        sheet.write_boolean(row, col, *b)?;
                    }
                }
            }
            row += 1;
            rows += 1;
        }
    }
    sheet.autofilter(0, 0, row.saturating_sub(1).max(1), last_col)?;
    workbook.save_to_writer(out)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_exact() {
        assert_eq!(percent(4567), "45.67");
        assert_eq!(percent(5), "0.05");
        assert_eq!(percent(10_000), "100.00");
        assert_eq!(percent(-150), "-1.50");
    }

    #[test]
    fn times_are_local_with_their_offset() {
        let t = DateTime::parse_from_rfc3339("2026-12-02T07:05:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(rfc3339_local(t, Zone::JAKARTA), "2026-12-02T14:05:00+07:00");
        let wit = Zone::parse("Asia/Jayapura").unwrap();
        assert_eq!(rfc3339_local(t, wit), "2026-12-02T16:05:00+09:00");
        assert_eq!(local(t, wit).to_string(), "2026-12-02 16:05:00");
    }

    #[test]
    fn formulas_are_defused_in_csv() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-1"), "'-1");
        assert_eq!(defuse("Kain Tenun"), "Kain Tenun");
        assert_eq!(csv_field(&Cell::Rupiah(-5), Zone::JAKARTA), "-5", "numbers are not text");
    }

    #[test]
    fn formats_parse_by_name() {
        assert_eq!(Format::parse("csv"), Ok(Format::Csv));
        assert_eq!(Format::parse("xlsx"), Ok(Format::Xlsx));
        assert!(Format::parse("pdf").is_err());
        assert!(Format::parse("CSV").is_err());
    }
}
