//! Reconciliation: a bank's daily statement of VA payments compared with what Pasar
//! recorded, day by day. It changes nothing: every difference is reported for people to
//! act on (ask the bank, or settle by hand with an audit trail), never fixed silently.
//!
//! The statement is CSV with a header row, columns in any order, others ignored:
//!
//! | column | meaning |
//! |---|---|
//! | `va_number` | the `virtualAccountNo` paid (spaces are ignored, so a padded prefix may be sent trimmed) |
//! | `amount` | rupiah paid: digits, optionally with `.00` (`1250000` or `1250000.00`); no fractions of a rupiah |
//! | `paid_at` | RFC 3339 (`2026-12-02T10:15:00+07:00`), or `YYYY-MM-DD HH:MM:SS` in the marketplace's zone |
//! | `bank_reference` | the bank's reference of the transfer (optional) |
//!
//! Each statement row is one of: `matched` (paid in Pasar, same amount); `unknown_in_pasar`
//! (no such VA of this bank, a VA Pasar has not recorded as paid, or a second payment of
//! the same VA); `amount_differs`. Each VA of the bank paid in Pasar on the statement's
//! days but absent from it is `missing_at_bank`.

use crate::error::PaymentError;
use crate::settings::PaymentSettings;
use crate::store::{self, ReconciliationRow, VaRow};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use pasar_auth::model::Actor;
use pasar_core::page::{Page, PageRequest};
use pasar_core::{FieldError, Zone};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::{from_db, to_db};
use pasar_db::{write_tx, DbConn};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most rows one statement may hold.
pub const MAX_ROWS: usize = 200_000;

/// One payment as the bank reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementRow {
    /// The VA number without spaces.
    pub va_number: String,
    pub amount_idr: i64,
    pub paid_at: DateTime<Utc>,
    pub bank_reference: Option<String>,
}

/// How a payment compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Matched,
    UnknownInPasar,
    MissingAtBank,
    AmountDiffers,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Matched => "matched",
            Outcome::UnknownInPasar => "unknown_in_pasar",
            Outcome::MissingAtBank => "missing_at_bank",
            Outcome::AmountDiffers => "amount_differs",
        }
    }
}

/// One line of the report: a statement row, or a Pasar payment the bank did not report.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    pub outcome: Outcome,
    pub virtual_account_no: String,
    /// The statement's row number (1 is the first after the header); none for
    /// `missing_at_bank`.
    pub statement_row: Option<usize>,
    pub bank_amount_idr: Option<i64>,
    pub bank_paid_at: Option<DateTime<Utc>>,
    pub bank_reference: Option<String>,
    pub pasar_amount_idr: Option<i64>,
    pub pasar_paid_at: Option<DateTime<Utc>>,
    pub order_id: Option<String>,
    pub invoice_number: Option<String>,
    /// Why it is not matched, in words.
    pub reason: Option<String>,
}

/// The counts of a day (or of the whole report).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Counts {
    pub matched: usize,
    pub unknown_in_pasar: usize,
    pub missing_at_bank: usize,
    pub amount_differs: usize,
    /// Rupiah the bank reported that day.
    pub bank_total_idr: i64,
    /// Rupiah Pasar recorded as paid through this bank that day.
    pub pasar_total_idr: i64,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Matched => self.matched += 1,
            Outcome::UnknownInPasar => self.unknown_in_pasar += 1,
            Outcome::MissingAtBank => self.missing_at_bank += 1,
            Outcome::AmountDiffers => self.amount_differs += 1,
        }
    }

    /// The counts of several days together.
    fn total<'a>(days: impl IntoIterator<Item = &'a Counts>) -> Counts {
        let mut t = Counts::default();
        for c in days {
            t.matched += c.matched;
            t.unknown_in_pasar += c.unknown_in_pasar;
            t.missing_at_bank += c.missing_at_bank;
            t.amount_differs += c.amount_differs;
            t.bank_total_idr += c.bank_total_idr;
            t.pasar_total_idr += c.pasar_total_idr;
        }
        t
    }

    /// Whether the day (or report) balances: nothing but matches.
    pub fn balanced(&self) -> bool {
        self.unknown_in_pasar == 0 && self.missing_at_bank == 0 && self.amount_differs == 0
    }
}

/// One day of the report (marketplace time zone).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Day {
    #[schema(value_type = String, format = Date)]
    pub day: NaiveDate,
    #[serde(flatten)]
    pub counts: Counts,
    pub items: Vec<Item>,
}

/// A reconciliation as administrators and auditors read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub id: String,
    pub bank: String,
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// SHA-256 of the statement file as received.
    pub file_sha256: String,
    pub statement_rows: usize,
    pub totals: Counts,
    pub balanced: bool,
    pub days: Vec<Day>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A reconciliation in a list: its totals, not its lines.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportSummary {
    pub id: String,
    pub bank: String,
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    pub statement_rows: usize,
    pub matched: usize,
    pub unknown_in_pasar: usize,
    pub missing_at_bank: usize,
    pub amount_differs: usize,
    pub balanced: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Who reconciles: an administrator through the API, or the operator at the command line.
#[derive(Debug, Clone, Copy)]
pub enum Reconciler<'a> {
    User(&'a Actor),
    Operator,
}

/// What was asked: the bank, and optionally the statement's days.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub bank: &'a str,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

fn rupiah(raw: &str) -> Result<i64, &'static str> {
    let (whole, cents) = match raw.split_once('.') {
        Some((w, c)) => (w, Some(c)),
        None => (raw, None),
    };
    if whole.is_empty() || whole.len() > 15 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be whole rupiah in digits, optionally with .00 (e.g. 1250000.00)");
    }
    match cents {
        None | Some("00") | Some("0") => {}
        Some(c) if c.len() <= 2 && c.bytes().all(|b| b.is_ascii_digit()) => {
            return Err("has a fraction of a rupiah, which a VA payment cannot have")
        }
        Some(_) => return Err("must be whole rupiah in digits, optionally with .00 (e.g. 1250000.00)"),
    }
    let amount: i64 = whole.parse().map_err(|_| "is too large")?;
    if amount <= 0 {
        return Err("must be more than 0");
    }
    Ok(amount)
}

fn paid_at(raw: &str, zone: Zone) -> Result<DateTime<Utc>, &'static str> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .map(|t| zone.at(t.date(), t.time()))
        .map_err(|_| "must be RFC 3339 (2026-12-02T10:15:00+07:00) or YYYY-MM-DD HH:MM:SS in the marketplace's zone")
}

/// Reads a statement; every problem is reported at once, as `rows[N].column` (N counts
/// from 1 after the header) or `header.column`.
pub fn parse_statement(csv_bytes: &[u8], zone: Zone) -> Result<Vec<StatementRow>, Vec<FieldError>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(csv_bytes);
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim_start_matches('\u{feff}').to_ascii_lowercase()).collect::<Vec<_>>(),
        Err(e) => return Err(vec![FieldError::new("header", format!("is not a CSV header row: {e}"))]),
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(va), Some(amount), Some(at)) = (column("va_number"), column("amount"), column("paid_at")) else {
        let missing: Vec<FieldError> = ["va_number", "amount", "paid_at"]
            .into_iter()
            .filter(|c| column(c).is_none())
            .map(|c| FieldError::new(format!("header.{c}"), "is a required column"))
            .collect();
        return Err(missing);
    };
    let reference = column("bank_reference");
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let n = i + 1;
        if n > MAX_ROWS {
            errors.push(FieldError::new("rows", format!("a statement holds at most {MAX_ROWS} rows")));
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(FieldError::new(format!("rows[{n}]"), format!("is not a valid CSV row: {e}")));
                continue;
            }
        };
        let cell = |c: usize| record.get(c).unwrap_or("");
        let number: String = cell(va).chars().filter(|c| !c.is_whitespace()).collect();
        let before = errors.len();
        if number.is_empty() || number.len() > 28 || !number.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(FieldError::new(format!("rows[{n}].va_number"), "must be the VA number's digits"));
        }
        let amount = rupiah(cell(amount)).map_err(|m| errors.push(FieldError::new(format!("rows[{n}].amount"), m)));
        let at = paid_at(cell(at), zone).map_err(|m| errors.push(FieldError::new(format!("rows[{n}].paid_at"), m)));
        let bank_reference = reference.map(cell).filter(|r| !r.is_empty()).map(str::to_owned);
        if bank_reference.as_ref().is_some_and(|r| r.chars().count() > 64) {
            errors.push(FieldError::new(format!("rows[{n}].bank_reference"), "must be at most 64 characters"));
        }
        if let (Ok(amount_idr), Ok(paid_at), true) = (amount, at, errors.len() == before) {
            rows.push(StatementRow { va_number: number, amount_idr, paid_at, bank_reference });
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The VA number without its padding spaces, as a statement writes it.
fn plain(number: &str) -> String {
    number.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Compares the statement with the bank's VAs: the pure heart of a reconciliation.
/// `known` holds Pasar's VAs of the statement's numbers; `paid_in_period` the VAs of the
/// bank that Pasar recorded as paid on the statement's days.
pub fn compare(
    rows: &[StatementRow],
    known: &[VaRow],
    paid_in_period: &[VaRow],
    zone: Zone,
) -> BTreeMap<NaiveDate, (Counts, Vec<Item>)> {
    let by_number: HashMap<String, &VaRow> = known.iter().map(|v| (plain(&v.va_number), v)).collect();
    let mut days: BTreeMap<NaiveDate, (Counts, Vec<Item>)> = BTreeMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let va = by_number.get(&row.va_number).copied();
        let first = seen.insert(row.va_number.clone());
        let (outcome, reason) = match va {
            None => (Outcome::UnknownInPasar, Some("No VA of this bank has this number.".to_owned())),
            Some(_) if !first => {
                (Outcome::UnknownInPasar, Some("The bank reports this VA paid more than once.".into()))
            }
            Some(v) if v.state != "paid" => {
                (Outcome::UnknownInPasar, Some(format!("Pasar has not recorded this VA as paid (it is {}).", v.state)))
            }
            Some(v) if v.amount_idr != row.amount_idr => (
                Outcome::AmountDiffers,
                Some(format!("The bank reports Rp{}, Pasar recorded Rp{}.", row.amount_idr, v.amount_idr)),
            ),
            Some(_) => (Outcome::Matched, None),
        };
        let day = days.entry(zone.date(row.paid_at)).or_default();
        day.0.add(outcome);
        day.0.bank_total_idr += row.amount_idr;
        day.1.push(Item {
            outcome,
            virtual_account_no: row.va_number.clone(),
            statement_row: Some(i + 1),
            bank_amount_idr: Some(row.amount_idr),
            bank_paid_at: Some(row.paid_at),
            bank_reference: row.bank_reference.clone(),
            pasar_amount_idr: va.map(|v| v.amount_idr),
            pasar_paid_at: va.and_then(|v| v.paid_at.map(from_db)),
            order_id: va.map(|v| v.order_id.clone()),
            invoice_number: va.map(|v| v.invoice_number.clone()),
            reason,
        });
    }
    for v in paid_in_period {
        let Some(at) = v.paid_at.map(from_db) else { continue };
        let day = days.entry(zone.date(at)).or_default();
        day.0.pasar_total_idr += v.amount_idr;
        if seen.contains(&plain(&v.va_number)) {
            continue;
        }
        day.0.add(Outcome::MissingAtBank);
        day.1.push(Item {
            outcome: Outcome::MissingAtBank,
            virtual_account_no: plain(&v.va_number),
            statement_row: None,
            bank_amount_idr: None,
            bank_paid_at: None,
            bank_reference: v.payment_reference.clone(),
            pasar_amount_idr: Some(v.amount_idr),
            pasar_paid_at: Some(at),
            order_id: Some(v.order_id.clone()),
            invoice_number: Some(v.invoice_number.clone()),
            reason: Some("Pasar recorded this payment; the bank's statement does not have it.".into()),
        });
    }
    days
}

fn may_reconcile(who: Reconciler<'_>) -> Result<(), PaymentError> {
    match who {
        Reconciler::Operator => Ok(()),
        Reconciler::User(a) if a.has(pasar_auth::Role::Admin) => Ok(()),
        Reconciler::User(_) => Err(PaymentError::Order(pasar_order::OrderError::Forbidden(
            "Only administrators reconcile the bank's statements.".into(),
        ))),
    }
}

fn may_read(actor: &Actor) -> Result<(), PaymentError> {
    if actor.reads_everything() {
        Ok(())
    } else {
        Err(PaymentError::Order(pasar_order::OrderError::Forbidden(
            "Reconciliations are read by administrators and auditors.".into(),
        )))
    }
}

/// Reconciles a statement of `request.bank` and keeps the report, with its audit entry,
/// in one transaction. The statement's days are `from`..=`to` when given (rows outside
/// them are refused), else those of its rows.
pub fn reconcile(
    conn: &mut DbConn,
    settings: &PaymentSettings,
    now: DateTime<Utc>,
    who: Reconciler<'_>,
    request: Request<'_>,
    csv_bytes: &[u8],
) -> Result<Report, PaymentError> {
    may_reconcile(who)?;
    let zone = settings.zone;
    let bank = settings.bank(Some(request.bank)).ok_or_else(|| {
        let known: Vec<&str> = settings.banks.iter().map(|b| b.code.as_str()).collect();
        PaymentError::field("bank", format!("must be one of: {}", known.join(", ")))
    })?;
    let rows = parse_statement(csv_bytes, zone).map_err(PaymentError::Invalid)?;
    let days: Vec<NaiveDate> = rows.iter().map(|r| zone.date(r.paid_at)).collect();
    let from = request.from.or_else(|| days.iter().min().copied());
    let to = request.to.or_else(|| days.iter().max().copied());
    let (Some(from), Some(to)) = (from, to) else {
        return Err(PaymentError::field("from", "an empty statement needs its days: give from and to"));
    };
    if from > to {
        return Err(PaymentError::field("to", "must not be before from"));
    }
    let outside: Vec<FieldError> = days
        .iter()
        .enumerate()
        .filter(|(_, d)| **d < from || **d > to)
        .map(|(i, d)| FieldError::new(format!("rows[{}].paid_at", i + 1), format!("{d} is outside {from}..{to}")))
        .collect();
    if !outside.is_empty() {
        return Err(PaymentError::Invalid(outside));
    }
    let prefix = bank.padded_prefix();
    let numbers: Vec<String> = rows.iter().map(|r| r.va_number.clone()).collect();
    let until = to.succ_opt().ok_or_else(|| PaymentError::field("to", "is too far"))?;
    let file_sha256 = hex::encode(Sha256::digest(csv_bytes));
    let actor_id = match who {
        Reconciler::User(a) => a.user_id.to_string(),
        Reconciler::Operator => "operator".to_owned(),
    };
    write_tx(conn, |conn| {
        let known = store::of_prefix_by_plain_numbers(conn, &prefix, &numbers)?;
        let paid = store::paid_between(conn, &prefix, to_db(zone.start_of(from)), to_db(zone.start_of(until)))?;
        let compared = compare(&rows, &known, &paid, zone);
        let days: Vec<Day> = compared.into_iter().map(|(day, (counts, items))| Day { day, counts, items }).collect();
        let totals = Counts::total(days.iter().map(|d| &d.counts));
        let report = Report {
            id: uuid::Uuid::now_v7().to_string(),
            bank: bank.code.clone(),
            from,
            to,
            file_sha256: file_sha256.clone(),
            statement_rows: rows.len(),
            balanced: totals.balanced(),
            totals,
            days,
            created_by: actor_id.clone(),
            created_at: now,
        };
        let counts = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        store::insert_reconciliation(
            conn,
            &ReconciliationRow {
                id: report.id.clone(),
                bank_code: report.bank.clone(),
                from_day: from.to_string(),
                to_day: to.to_string(),
                file_sha256: file_sha256.clone(),
                statement_rows: counts(rows.len()),
                matched: counts(report.totals.matched),
                unknown_in_pasar: counts(report.totals.unknown_in_pasar),
                missing_at_bank: counts(report.totals.missing_at_bank),
                amount_differs: counts(report.totals.amount_differs),
                report: serde_json::to_string(&report.days).map_err(|e| pasar_db::DbError::corrupt(e.to_string()))?,
                created_by: actor_id.clone(),
                created_at: to_db(now),
            },
        )?;
        let audit_actor = match who {
            Reconciler::User(a) => Some(a.user_id.to_string()),
            Reconciler::Operator => None,
        };
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: audit_actor.as_deref(),
                action: "payment.reconcile",
                entity_type: "reconciliation",
                entity_id: &report.id,
                before: None,
                after: Some(json!({
                    "bank": report.bank, "from": from, "to": to, "file_sha256": file_sha256,
                    "statement_rows": report.statement_rows, "matched": report.totals.matched,
                    "unknown_in_pasar": report.totals.unknown_in_pasar,
                    "missing_at_bank": report.totals.missing_at_bank,
                    "amount_differs": report.totals.amount_differs,
                })),
                request_id: match who {
                    Reconciler::User(a) => a.request_id.as_deref(),
                    Reconciler::Operator => None,
                },
            },
        )?;
        Ok(report)
    })
}

/// The report as text for a terminal: totals, then every line that is not a match.
pub fn render_text(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let t = &report.totals;
    let _ = writeln!(
        out,
        "Reconciliation {} of bank {}, {} to {} ({} statement rows, file SHA-256 {}):",
        report.id, report.bank, report.from, report.to, report.statement_rows, report.file_sha256
    );
    for d in &report.days {
        let c = &d.counts;
        let _ = writeln!(
            out,
            "  {}: {} matched, {} unknown or unpaid in Pasar, {} missing at the bank, {} amounts differ \
             (bank Rp{}, Pasar Rp{})",
            d.day,
            c.matched,
            c.unknown_in_pasar,
            c.missing_at_bank,
            c.amount_differs,
            c.bank_total_idr,
            c.pasar_total_idr
        );
        for item in d.items.iter().filter(|i| i.outcome != Outcome::Matched) {
            let _ = writeln!(
                out,
                "    {} {}: {}",
                item.outcome.as_str(),
                item.virtual_account_no,
                item.reason.as_deref().unwrap_or("")
            );
        }
    }
    let _ = writeln!(
        out,
        "{}: {} matched, {} unknown or unpaid in Pasar, {} missing at the bank, {} amounts differ.",
        if report.balanced { "Balanced" } else { "NOT balanced" },
        t.matched,
        t.unknown_in_pasar,
        t.missing_at_bank,
        t.amount_differs
    );
    out
}

fn day_of(raw: &str) -> Result<NaiveDate, PaymentError> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| PaymentError::Db(pasar_db::DbError::corrupt("a day")))
}

fn summary(row: &ReconciliationRow) -> Result<ReportSummary, PaymentError> {
    let n = |v: i32| usize::try_from(v).unwrap_or(0);
    Ok(ReportSummary {
        id: row.id.clone(),
        bank: row.bank_code.clone(),
        from: day_of(&row.from_day)?,
        to: day_of(&row.to_day)?,
        statement_rows: n(row.statement_rows),
        matched: n(row.matched),
        unknown_in_pasar: n(row.unknown_in_pasar),
        missing_at_bank: n(row.missing_at_bank),
        amount_differs: n(row.amount_differs),
        balanced: row.unknown_in_pasar == 0 && row.missing_at_bank == 0 && row.amount_differs == 0,
        created_by: row.created_by.clone(),
        created_at: from_db(row.created_at),
    })
}

/// The reconciliations, newest first (administrators and auditors).
pub fn list(conn: &mut DbConn, actor: &Actor, page: &PageRequest) -> Result<Page<ReportSummary>, PaymentError> {
    may_read(actor)?;
    let rows = store::list_reconciliations(conn, page.after.as_deref(), page.fetch_limit())?;
    let page = Page::from_rows(rows, page, |r| r.id.clone());
    let items = page.items.iter().map(summary).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// One reconciliation with every line (administrators and auditors).
pub fn get(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Report, PaymentError> {
    may_read(actor)?;
    let row = store::find_reconciliation(conn, id)?.ok_or(PaymentError::NotFound)?;
    let s = summary(&row)?;
    let days: Vec<Day> = serde_json::from_str(&row.report)
        .map_err(|e| PaymentError::Db(pasar_db::DbError::corrupt(format!("a reconciliation report: {e}"))))?;
    let totals = Counts::total(days.iter().map(|d| &d.counts));
    Ok(Report {
        id: s.id,
        bank: s.bank,
        from: s.from,
        to: s.to,
        file_sha256: row.file_sha256,
        statement_rows: s.statement_rows,
        balanced: totals.balanced(),
        totals,
        days,
        created_by: s.created_by,
        created_at: s.created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn va(number: &str, amount: i64, state: &str, paid_at: Option<&str>) -> VaRow {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        VaRow {
            id: number.into(),
            order_id: format!("order-{number}"),
            va_number: format!("    {number}"),
            partner_service_id: "    8808".into(),
            customer_no: number[4..].into(),
            invoice_number: "INV-2026-00001".into(),
            amount_idr: amount,
            state: state.into(),
            expires_at: to_db(at("2026-12-03T16:59:59Z")),
            issued_by: "someone".into(),
            created_at: to_db(at("2026-12-01T01:00:00Z")),
            paid_at: paid_at.map(|p| to_db(at(p))),
            payment_request_id: None,
            payment_reference: None,
            payment_response: None,
            bank_code: "jatim".into(),
        }
    }

    #[test]
    fn a_statement_reads_every_problem_at_once() {
        let zone = Zone::JAKARTA;
        let ok = "Paid_At,VA_Number,amount,bank_reference,extra\n\
                  2026-12-02 10:00:00,8808 0001,1250000.00,REF1,x\n\
                  2026-12-02T23:30:00+07:00,88080002,99,,\n";
        let rows = parse_statement(ok.as_bytes(), zone).unwrap();
        assert_eq!(rows[0].va_number, "88080001");
        assert_eq!(rows[0].amount_idr, 1_250_000);
        assert_eq!(rows[0].paid_at.to_rfc3339(), "2026-12-02T03:00:00+00:00");
        assert_eq!(rows[1].bank_reference, None);
        let bad = "va_number,amount,paid_at\nabc,1.5,2026-13-01 00:00:00\n8808,-3,\n8808,0.00,2026-12-02 10:00:00\n";
        let errors = parse_statement(bad.as_bytes(), zone).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rows[1].va_number",
                "rows[1].amount",
                "rows[1].paid_at",
                "rows[2].amount",
                "rows[2].paid_at",
                "rows[3].amount"
            ]
        );
        assert_eq!(parse_statement(b"va_number\n", zone).unwrap_err().len(), 2, "amount and paid_at missing");
    }

    #[test]
    fn every_payment_lands_in_one_outcome_on_its_day() {
        let zone = Zone::JAKARTA;
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let row = |n: &str, amount: i64, when: &str| StatementRow {
            va_number: n.into(),
            amount_idr: amount,
            paid_at: at(when),
            bank_reference: None,
        };
        let known = vec![
            va("88080001", 100, "paid", Some("2026-12-01T20:00:00Z")), // 2 Dec in Jakarta
            va("88080002", 200, "active", None),
            va("88080003", 300, "paid", Some("2026-12-02T02:00:00Z")),
        ];
        let paid = vec![known[0].clone(), known[2].clone(), va("88080004", 400, "paid", Some("2026-12-02T03:00:00Z"))];
        let rows = vec![
            row("88080001", 100, "2026-12-01T20:00:00Z"),
            row("88080002", 200, "2026-12-02T01:00:00Z"),
            row("88080003", 333, "2026-12-02T02:00:00Z"),
            row("88089999", 50, "2026-12-02T02:00:00Z"),
            row("88080001", 100, "2026-12-02T05:00:00Z"),
        ];
        let days = compare(&rows, &known, &paid, zone);
        assert_eq!(days.len(), 1, "all on 2 December, Jakarta time");
        let (counts, items) = &days[&NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()];
        assert_eq!(
            (counts.matched, counts.unknown_in_pasar, counts.amount_differs, counts.missing_at_bank),
            (1, 3, 1, 1),
            "{items:#?}"
        );
        assert_eq!(counts.bank_total_idr, 100 + 200 + 333 + 50 + 100);
        assert_eq!(counts.pasar_total_idr, 100 + 300 + 400);
        let outcomes: Vec<Outcome> = items.iter().map(|i| i.outcome).collect();
        use Outcome::*;
        assert_eq!(outcomes, [Matched, UnknownInPasar, AmountDiffers, UnknownInPasar, UnknownInPasar, MissingAtBank]);
        assert!(items[4].reason.as_deref().unwrap().contains("more than once"));
        assert_eq!(items[5].virtual_account_no, "88080004");
        assert!(!counts.balanced());
    }
}
