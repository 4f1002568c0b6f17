//! The open-contracting feed: every order whose Surat Pesanan was signed, published as
//! an OCDS 1.1 contracting process (see `docs/OCDS.md`).
//!
//! One order is one process, `ocid` = the configured prefix, `-`, the order id. Releases
//! are cut at events, each with a stable id and the event's own date:
//!
//! | event                                 | release id              | tags                              |
//! |---------------------------------------|-------------------------|-----------------------------------|
//! | the PPK signs the Surat Pesanan       | `{ocid}-contract`       | `award`, `contract`               |
//! | the vendor countersigns it            | `{ocid}-signed`         | `contractUpdate`                  |
//! | the vendor accepts addendum *v*       | `{ocid}-amendment-{v}`  | `contractAmendment`               |
//! | the bank pays a virtual account       | `{ocid}-payment-{va}`   | `implementation`                  |
//! | the order completes                   | `{ocid}-completed`      | `contractTermination`             |
//! | the order is cancelled after the SP   | `{ocid}-cancelled`      | `awardCancellation`, `contractUpdate` |
//!
//! A release carries what that event changed; the record's compiled release merges
//! them with the OCDS merge rules ([`compile`]). Only organisations are named (the
//! satker and its OPD and pemda, the vendor): never a person, an address, a note or a
//! VA number. Items carry the frozen local-content facts through Pasar's own extension
//! (`ocds/extension/` in the repository, served under `/api/v1/ocds/extension/`).
//!
//! A page of the feed costs a fixed number of queries whatever its size: one keyset
//! read per kind of event, then the page's orders, lines, addenda, organisations and
//! vendors by id.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use pasar_core::page::encode_cursor;
use pasar_core::{Code, ErrorCode, FieldError, Zone};
use pasar_db::schema::{addenda, order_lines, orders, organizations, vendors, virtual_accounts};
use pasar_db::time::{from_db, to_db};
use pasar_db::DbConn;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// The extension's files, as kept in the repository and served by the API.
pub mod extension {
    pub const EXTENSION_JSON: &str = include_str!("../../../ocds/extension/extension.json");
    pub const RELEASE_SCHEMA: &str = include_str!("../../../ocds/extension/release-schema.json");
    pub const README: &str = include_str!("../../../ocds/extension/README.md");
    pub const PDN_CLASS_CSV: &str = include_str!("../../../ocds/extension/codelists/pdnClass.csv");
    pub const VENDOR_SCALE_CSV: &str = include_str!("../../../ocds/extension/codelists/vendorScale.csv");
    pub const PARTY_SCALE_CSV: &str = include_str!("../../../ocds/extension/codelists/partyScale.csv");

    /// `(path under the extension's folder, content type, content)`.
    pub const FILES: [(&str, &str, &str); 6] = [
        ("extension.json", "application/json", EXTENSION_JSON),
        ("release-schema.json", "application/json", RELEASE_SCHEMA),
        ("README.md", "text/markdown; charset=utf-8", README),
        ("codelists/pdnClass.csv", "text/csv; charset=utf-8", PDN_CLASS_CSV),
        ("codelists/vendorScale.csv", "text/csv; charset=utf-8", VENDOR_SCALE_CSV),
        ("codelists/partyScale.csv", "text/csv; charset=utf-8", PARTY_SCALE_CSV),
    ];

    /// Where the extension is served, below the public URL.
    pub const PATH: &str = "/api/v1/ocds/extension";

    /// A file of the extension, with `{{public_url}}` (in `extension.json`'s
    /// documentation link) filled in.
    pub fn file(path: &str, public_url: &str) -> Option<(&'static str, String)> {
        FILES
            .iter()
            .find(|(p, _, _)| *p == path)
            .map(|(_, mime, body)| (*mime, body.replace("{{public_url}}", public_url.trim_end_matches('/'))))
    }
}

/// What the operator configures (`[ocds]`), and the marketplace's URL and zone.
#[derive(Debug, Clone)]
pub struct OcdsSettings {
    /// `ocds-` and six letters or digits registered with the OCDS Data Support Team,
    /// optionally followed by `-` and a part of one's own.
    pub ocid_prefix: String,
    pub publisher_name: String,
    pub publisher_uri: Option<String>,
    /// The data's license (a URL).
    pub license: Option<String>,
    pub publication_policy: Option<String>,
    /// `server.public_url` (no trailing slash): the packages' URIs and the extension's.
    pub public_url: String,
    /// Releases appear this long after their event, so that a reader following
    /// `links.next` never misses one whose transaction committed a moment late.
    pub settle: TimeDelta,
    pub zone: Zone,
}

impl Default for OcdsSettings {
    fn default() -> Self {
        OcdsSettings {
            ocid_prefix: "ocds-pasar0".into(),
            publisher_name: "Pasar".into(),
            publisher_uri: None,
            license: None,
            publication_policy: None,
            public_url: "http://127.0.0.1:8080".into(),
            settle: TimeDelta::seconds(5),
            zone: Zone::default(),
        }
    }
}

impl OcdsSettings {
    /// Whether `prefix` has the shape of an OCID prefix (`ocds-` and six lower-case
    /// letters or digits, optionally `-` and more letters, digits or `-`).
    pub fn valid_prefix(prefix: &str) -> bool {
        let Some(rest) = prefix.strip_prefix("ocds-") else { return false };
        let (head, tail) = rest.split_at(rest.len().min(6));
        head.len() == 6
            && head.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && prefix.len() <= 60
            && (tail.is_empty()
                || (tail.starts_with('-')
                    && !tail.ends_with('-')
                    && tail.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')))
    }

    pub fn ocid(&self, order_id: &str) -> String {
        format!("{}-{order_id}", self.ocid_prefix)
    }

    /// The order id an ocid of this publisher stands for.
    pub fn order_of<'a>(&self, ocid: &'a str) -> Option<&'a str> {
        ocid.strip_prefix(self.ocid_prefix.as_str())?.strip_prefix('-').filter(|id| id.len() == 36)
    }

    pub fn extension_url(&self) -> String {
        format!("{}{}/extension.json", self.public_url, extension::PATH)
    }

    fn publisher(&self) -> Publisher {
        Publisher { name: self.publisher_name.clone(), uri: self.publisher_uri.clone() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OcdsError {
    #[error("No such contracting process.")]
    NotFound,
    #[error("The query parameter '{0}' is invalid: {1}.")]
    Query(&'static str, String),
    #[error(transparent)]
    Db(#[from] pasar_db::DbError),
}

impl From<diesel::result::Error> for OcdsError {
    fn from(e: diesel::result::Error) -> Self {
        OcdsError::Db(pasar_db::DbError::Query(e))
    }
}

impl ErrorCode for OcdsError {
    fn code(&self) -> Code {
        match self {
            OcdsError::NotFound => Code::NotFound,
            OcdsError::Query(..) => Code::InvalidQuery,
            OcdsError::Db(e) => e.code(),
        }
    }

    fn detail(&self) -> String {
        match self {
            OcdsError::Db(e) => e.detail(),
            other => other.to_string(),
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            OcdsError::Query(field, message) => vec![FieldError::new(*field, message.clone())],
            _ => Vec::new(),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            OcdsError::Db(e) => e.retry_after(),
            _ => None,
        }
    }
}

// ---- packages ----

#[derive(Debug, Clone, Serialize)]
pub struct Publisher {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// Pagination links of a release package.
#[derive(Debug, Clone, Serialize)]
pub struct Links {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A release package: one page of the feed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasePackage {
    pub uri: String,
    pub version: &'static str,
    pub extensions: Vec<String>,
    pub published_date: DateTime<Utc>,
    pub publisher: Publisher,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publication_policy: Option<String>,
    pub releases: Vec<Release>,
    pub links: Links,
}

/// A record package: one contracting process, its releases and their compilation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordPackage {
    pub uri: String,
    pub version: &'static str,
    pub extensions: Vec<String>,
    pub published_date: DateTime<Utc>,
    pub publisher: Publisher,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publication_policy: Option<String>,
    pub records: Vec<Record>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub ocid: String,
    pub releases: Vec<Release>,
    pub compiled_release: Value,
}

/// One release. The parts are JSON built from the order's facts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    pub ocid: String,
    pub id: String,
    pub date: DateTime<Utc>,
    pub tag: Vec<&'static str>,
    pub initiation_type: &'static str,
    pub language: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parties: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planning: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tender: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awards: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contracts: Option<Value>,
}

// ---- events and the cursor ----

/// The kinds of event, in the order they sort among events of one order at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Contract = 0,
    Signed = 1,
    Amendment = 2,
    Payment = 3,
    End = 4,
}

impl Kind {
    fn from_u8(n: u8) -> Option<Kind> {
        [Kind::Contract, Kind::Signed, Kind::Amendment, Kind::Payment, Kind::End].get(n as usize).copied()
    }
}

#[derive(Debug, Clone)]
struct Event {
    at: NaiveDateTime,
    order_id: String,
    kind: Kind,
    /// The addendum's version, zero-padded, or the virtual account's id.
    seq: String,
    /// The amount paid (payments).
    amount: i64,
}

impl Event {
    fn key(&self) -> (NaiveDateTime, &str, Kind, &str) {
        (self.at, &self.order_id, self.kind, &self.seq)
    }

    fn position(&self) -> Position {
        Position { at: self.at, order_id: self.order_id.clone(), kind: self.kind, seq: self.seq.clone() }
    }
}

/// Where a page ends: the last release's (date, order, kind, seq).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    at: NaiveDateTime,
    order_id: String,
    kind: Kind,
    seq: String,
}

const STAMP: &str = "%Y-%m-%dT%H:%M:%S%.f";

impl Position {
    fn encode(&self) -> String {
        encode_cursor(&format!("{}|{}|{}|{}", self.at.format(STAMP), self.order_id, self.kind as u8, self.seq))
    }

    fn decode(key: &str) -> Option<Position> {
        let mut parts = key.splitn(4, '|');
        let at = NaiveDateTime::parse_from_str(parts.next()?, STAMP).ok()?;
        let order_id = parts.next()?.to_owned();
        let kind = Kind::from_u8(parts.next()?.parse().ok()?)?;
        let seq = parts.next()?.to_owned();
        (order_id.len() <= 64 && seq.len() <= 64).then_some(Position { at, order_id, kind, seq })
    }
}

fn version_seq(v: i32) -> String {
    format!("{v:06}")
}

/// A page request of the feed.
#[derive(Debug, Clone, Default)]
pub struct FeedQuery {
    pub limit: u32,
    /// The `cursor` parameter (its decoded key), if any.
    pub after: Option<String>,
    /// Releases dated at or after this instant.
    pub since: Option<DateTime<Utc>>,
}

/// Parses `since`: RFC 3339, or a date (`YYYY-MM-DD`: from the start of that day in the
/// marketplace's zone).
pub fn parse_since(value: &str, zone: Zone) -> Result<DateTime<Utc>, OcdsError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(zone.start_of(d));
    }
    Err(OcdsError::Query("since", "must be an RFC 3339 date-time or a date, YYYY-MM-DD".into()))
}

/// The lower bound and the cursor a source query starts from.
struct Bounds<'a> {
    from: Option<NaiveDateTime>,
    after: Option<&'a Position>,
    until: NaiveDateTime,
    limit: i64,
}

/// Applies the keyset condition `(date, order, kind, seq) > after` (and `date >= from`,
/// `date < until`) to a source query of kind `$kind`, ordered and limited.
macro_rules! keyset {
    ($q:expr, $b:expr, $kind:expr, $date:expr, $order:expr, $seq_gt:expr, $order_by:expr) => {{
        let b: &Bounds<'_> = $b;
        let mut q = $q.filter($date.lt(b.until));
        if let Some(from) = b.from {
            q = q.filter($date.ge(from));
        }
        if let Some(p) = b.after {
            let at = p.at;
            let oid = p.order_id.clone();
            q = q.filter($date.ge(at));
            q = match $kind.cmp(&p.kind) {
                std::cmp::Ordering::Greater => q.filter($date.gt(at).or($order.ge(oid))),
                std::cmp::Ordering::Less => q.filter($date.gt(at).or($order.gt(oid))),
                std::cmp::Ordering::Equal => {
                    let seq_gt = $seq_gt(p);
                    q.filter($date.gt(at).or($order.gt(oid.clone())).or($order.eq(oid).and(seq_gt)))
                }
            };
        }
        q.order($order_by).limit(b.limit)
    }};
}

fn contracts_after(conn: &mut DbConn, b: &Bounds<'_>) -> QueryResult<Vec<Event>> {
    let q = orders::table.filter(orders::sp_signed_at.is_not_null()).into_boxed();
    let rows: Vec<(Option<NaiveDateTime>, String)> = keyset!(
        q,
        b,
        Kind::Contract,
        orders::sp_signed_at,
        orders::id,
        |_p: &Position| diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0"),
        (orders::sp_signed_at.asc(), orders::id.asc())
    )
    .select((orders::sp_signed_at, orders::id))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, id)| {
            Some(Event { at: at?, order_id: id, kind: Kind::Contract, seq: String::new(), amount: 0 })
        })
        .collect())
}

fn signed_after(conn: &mut DbConn, b: &Bounds<'_>) -> QueryResult<Vec<Event>> {
    let q = orders::table.filter(orders::vendor_signed_at.is_not_null()).into_boxed();
    let rows: Vec<(Option<NaiveDateTime>, String)> = keyset!(
        q,
        b,
        Kind::Signed,
        orders::vendor_signed_at,
        orders::id,
        |_p: &Position| diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0"),
        (orders::vendor_signed_at.asc(), orders::id.asc())
    )
    .select((orders::vendor_signed_at, orders::id))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, id)| Some(Event { at: at?, order_id: id, kind: Kind::Signed, seq: String::new(), amount: 0 }))
        .collect())
}

fn ends_after(conn: &mut DbConn, b: &Bounds<'_>) -> QueryResult<Vec<Event>> {
    let q = orders::table
        .filter(orders::ended_at.is_not_null())
        .filter(orders::sp_signed_at.is_not_null())
        .filter(orders::state.eq_any(["completed", "cancelled"]))
        .into_boxed();
    let rows: Vec<(Option<NaiveDateTime>, String)> = keyset!(
        q,
        b,
        Kind::End,
        orders::ended_at,
        orders::id,
        |_p: &Position| diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0"),
        (orders::ended_at.asc(), orders::id.asc())
    )
    .select((orders::ended_at, orders::id))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, id)| Some(Event { at: at?, order_id: id, kind: Kind::End, seq: String::new(), amount: 0 }))
        .collect())
}

fn amendments_after(conn: &mut DbConn, b: &Bounds<'_>) -> QueryResult<Vec<Event>> {
    let q = addenda::table.filter(addenda::state.eq("accepted")).filter(addenda::decided_at.is_not_null()).into_boxed();
    let rows: Vec<(Option<NaiveDateTime>, String, i32)> = keyset!(
        q,
        b,
        Kind::Amendment,
        addenda::decided_at,
        addenda::order_id,
        |p: &Position| addenda::version.gt(p.seq.parse::<i32>().unwrap_or(i32::MAX)),
        (addenda::decided_at.asc(), addenda::order_id.asc(), addenda::version.asc())
    )
    .select((addenda::decided_at, addenda::order_id, addenda::version))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, id, v)| {
            Some(Event { at: at?, order_id: id, kind: Kind::Amendment, seq: version_seq(v), amount: 0 })
        })
        .collect())
}

fn payments_after(conn: &mut DbConn, b: &Bounds<'_>) -> QueryResult<Vec<Event>> {
    let q = virtual_accounts::table
        .filter(virtual_accounts::state.eq("paid"))
        .filter(virtual_accounts::paid_at.is_not_null())
        .into_boxed();
    let rows: Vec<(Option<NaiveDateTime>, String, String, i64)> = keyset!(
        q,
        b,
        Kind::Payment,
        virtual_accounts::paid_at,
        virtual_accounts::order_id,
        |p: &Position| virtual_accounts::id.gt(p.seq.clone()),
        (virtual_accounts::paid_at.asc(), virtual_accounts::order_id.asc(), virtual_accounts::id.asc())
    )
    .select((virtual_accounts::paid_at, virtual_accounts::order_id, virtual_accounts::id, virtual_accounts::amount_idr))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(at, order_id, id, amount)| {
            Some(Event { at: at?, order_id, kind: Kind::Payment, seq: id, amount })
        })
        .collect())
}

// ---- what a page needs to know about its orders ----

#[derive(Debug, Clone, Queryable)]
struct OrderLite {
    id: String,
    satker_id: String,
    vendor_id: String,
    state: String,
    method: String,
    rup_code: String,
    budget_line: String,
    funding_source: String,
    fiscal_year: i32,
    sp_number: Option<String>,
    sp_signed_at: Option<NaiveDateTime>,
    vendor_signed_at: Option<NaiveDateTime>,
    ended_at: Option<NaiveDateTime>,
    delivery_date: String,
    version: i32,
}

type OrderColumns = (
    orders::id,
    orders::satker_id,
    orders::vendor_id,
    orders::state,
    orders::method,
    orders::rup_code,
    orders::budget_line,
    orders::funding_source,
    orders::fiscal_year,
    orders::sp_number,
    orders::sp_signed_at,
    orders::vendor_signed_at,
    orders::ended_at,
    orders::delivery_date,
    orders::version,
);

const ORDER_COLUMNS: OrderColumns = (
    orders::id,
    orders::satker_id,
    orders::vendor_id,
    orders::state,
    orders::method,
    orders::rup_code,
    orders::budget_line,
    orders::funding_source,
    orders::fiscal_year,
    orders::sp_number,
    orders::sp_signed_at,
    orders::vendor_signed_at,
    orders::ended_at,
    orders::delivery_date,
    orders::version,
);

#[derive(Debug, Clone, Queryable)]
struct LineLite {
    order_id: String,
    line_no: i32,
    quantity: i64,
    unit_price_idr: i64,
    product_name: String,
    unit: String,
    tkdn_bp: i32,
    bmp_bp: i32,
    pdn_class: String,
    umkk: bool,
    local_vendor: bool,
    vendor_scale: Option<String>,
    vendor_region_code: Option<String>,
    facts_json: String,
}

#[derive(Debug, Clone, Queryable)]
struct AddendumLite {
    order_id: String,
    version: i32,
    changes_json: String,
    reason: String,
    decided_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
struct Org {
    kind: String,
    name: String,
    parent_id: Option<String>,
}

/// The order's contract as it stood after each accepted addendum (the first: as signed).
#[derive(Debug, Clone)]
struct Stage {
    /// 1 for the Surat Pesanan, else the addendum's version.
    version: i32,
    at: NaiveDateTime,
    reason: String,
    description: String,
    /// Per line (in line order): quantity and unit price.
    lines: Vec<(i64, i64)>,
    delivery_date: String,
    total: i64,
}

struct OrderFacts {
    order: OrderLite,
    lines: Vec<LineLite>,
    stages: Vec<Stage>,
}

/// Everything the page's releases are built from.
struct Loaded {
    orders: HashMap<String, OrderFacts>,
    orgs: HashMap<String, Org>,
    vendor_names: HashMap<String, String>,
}

fn load(conn: &mut DbConn, ids: &BTreeSet<String>) -> QueryResult<Loaded> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let order_rows: Vec<OrderLite> = orders::table.filter(orders::id.eq_any(&ids)).select(ORDER_COLUMNS).load(conn)?;
    let mut lines: HashMap<String, Vec<LineLite>> = HashMap::new();
    let line_rows: Vec<LineLite> = order_lines::table
        .filter(order_lines::order_id.eq_any(&ids))
        .order((order_lines::order_id.asc(), order_lines::line_no.asc()))
        .select((
            order_lines::order_id,
            order_lines::line_no,
            order_lines::quantity,
            order_lines::unit_price_idr,
            order_lines::product_name,
            order_lines::unit,
            order_lines::tkdn_bp,
            order_lines::bmp_bp,
            order_lines::pdn_class,
            order_lines::umkk,
            order_lines::local_vendor,
            order_lines::vendor_scale,
            order_lines::vendor_region_code,
            order_lines::facts_json,
        ))
        .load(conn)?;
    for l in line_rows {
        lines.entry(l.order_id.clone()).or_default().push(l);
    }
    // Addenda only for orders that have accepted one (their version moved on).
    let amended: Vec<&str> = order_rows.iter().filter(|o| o.version > 1).map(|o| o.id.as_str()).collect();
    let mut addenda_of: HashMap<String, Vec<AddendumLite>> = HashMap::new();
    let mut signed_text: HashMap<String, String> = HashMap::new();
    if !amended.is_empty() {
        let rows: Vec<AddendumLite> = addenda::table
            .filter(addenda::order_id.eq_any(&amended))
            .filter(addenda::state.eq("accepted"))
            .order((addenda::order_id.asc(), addenda::version.asc()))
            .select((addenda::order_id, addenda::version, addenda::changes_json, addenda::reason, addenda::decided_at))
            .load(conn)?;
        for a in rows {
            addenda_of.entry(a.order_id.clone()).or_default().push(a);
        }
        // The values an addendum replaced are those of the signed Surat Pesanan.
        let texts: Vec<(String, Option<String>)> =
            orders::table.filter(orders::id.eq_any(&amended)).select((orders::id, orders::sp_content)).load(conn)?;
        signed_text.extend(texts.into_iter().filter_map(|(id, t)| Some((id, t?))));
    }
    // The satkers with their OPD and pemda, and the vendors.
    let mut orgs: HashMap<String, Org> = HashMap::new();
    let mut wanted: BTreeSet<String> =
        order_rows.iter().flat_map(|o| [o.satker_id.clone(), o.vendor_id.clone()]).collect();
    for _ in 0..4 {
        wanted.retain(|id| !orgs.contains_key(id));
        if wanted.is_empty() {
            break;
        }
        let rows: Vec<(String, String, String, Option<String>)> = organizations::table
            .filter(organizations::id.eq_any(&wanted))
            .select((organizations::id, organizations::kind, organizations::name, organizations::parent_id))
            .load(conn)?;
        wanted = rows.iter().filter_map(|r| r.3.clone()).collect();
        for (id, kind, name, parent_id) in rows {
            orgs.insert(id, Org { kind, name, parent_id });
        }
    }
    let vendor_ids: Vec<&str> = order_rows.iter().map(|o| o.vendor_id.as_str()).collect();
    let vendor_names: HashMap<String, String> = vendors::table
        .filter(vendors::id.eq_any(&vendor_ids))
        .select((vendors::id, vendors::legal_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut out = HashMap::new();
    for o in order_rows {
        let lines = lines.remove(&o.id).unwrap_or_default();
        let accepted = addenda_of.remove(&o.id).unwrap_or_default();
        let stages = stages(&o, &lines, &accepted, signed_text.get(&o.id).map(String::as_str));
        out.insert(o.id.clone(), OrderFacts { order: o, lines, stages });
    }
    Ok(Loaded { orders: out, orgs, vendor_names })
}

/// Quantity and unit price of line `n` as the signed Surat Pesanan states them
/// (`Baris n: name | q unit x Rp1.250.000 = Rp… | TKDN …`).
fn signed_line(text: &str, n: i32) -> Option<(i64, i64)> {
    let head = format!("Baris {n}: ");
    let line = text.lines().find(|l| l.starts_with(&head))?;
    let mut parts = line.rsplitn(3, " | ");
    let _facts = parts.next()?;
    let amounts = parts.next()?;
    let quantity: i64 = amounts.split_whitespace().next()?.parse().ok()?;
    let price = amounts.rsplit_once(" x ")?.1.split(" = ").next()?;
    let price: i64 = price.chars().filter(char::is_ascii_digit).collect::<String>().parse().ok()?;
    Some((quantity, price))
}

fn signed_delivery(text: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix("Tanggal pengiriman: ")).map(|d| d.trim().to_owned())
}

/// The contract as signed and after each accepted addendum. The lines hold today's
/// values; where an addendum changed one, the value it replaced comes from the signed
/// Surat Pesanan.
fn stages(o: &OrderLite, lines: &[LineLite], accepted: &[AddendumLite], text: Option<&str>) -> Vec<Stage> {
    let changes: Vec<Value> =
        accepted.iter().map(|a| serde_json::from_str(&a.changes_json).unwrap_or(Value::Null)).collect();
    let touched = |line: i32, field: &str| {
        changes.iter().any(|c| {
            c["lines"].as_array().is_some_and(|ls| {
                ls.iter().any(|l| l["line"].as_i64() == Some(line.into()) && l[field].as_i64().is_some())
            })
        })
    };
    let mut current: Vec<(i64, i64)> = lines
        .iter()
        .map(|l| {
            let signed = text.and_then(|t| signed_line(t, l.line_no));
            let q = if touched(l.line_no, "quantity") { signed.map_or(l.quantity, |s| s.0) } else { l.quantity };
            let p = if touched(l.line_no, "unit_price_idr") {
                signed.map_or(l.unit_price_idr, |s| s.1)
            } else {
                l.unit_price_idr
            };
            (q, p)
        })
        .collect();
    let delivery_changed = changes.iter().any(|c| c["delivery_date"].is_string());
    let mut delivery = if delivery_changed {
        text.and_then(signed_delivery).unwrap_or_else(|| o.delivery_date.clone())
    } else {
        o.delivery_date.clone()
    };
    let total = |ls: &[(i64, i64)]| ls.iter().map(|(q, p)| q.saturating_mul(*p)).fold(0i64, i64::saturating_add);
    let mut out = vec![Stage {
        version: 1,
        at: o.sp_signed_at.unwrap_or_default(),
        reason: String::new(),
        description: String::new(),
        lines: current.clone(),
        delivery_date: delivery.clone(),
        total: total(&current),
    }];
    for (a, c) in accepted.iter().zip(&changes) {
        let mut said = Vec::new();
        for ch in c["lines"].as_array().into_iter().flatten() {
            let Some(n) = ch["line"].as_i64() else { continue };
            let Some(i) = lines.iter().position(|l| i64::from(l.line_no) == n) else { continue };
            if let Some(q) = ch["quantity"].as_i64() {
                said.push(format!("baris {n}: kuantitas {} → {q}", current[i].0));
                current[i].0 = q;
            }
            if let Some(p) = ch["unit_price_idr"].as_i64() {
                said.push(format!("baris {n}: harga satuan {} → {p} IDR", current[i].1));
                current[i].1 = p;
            }
        }
        if let Some(d) = c["delivery_date"].as_str() {
            said.push(format!("tanggal pengiriman {delivery} → {d}"));
            delivery = d.to_owned();
        }
        out.push(Stage {
            version: a.version,
            at: a.decided_at.unwrap_or_default(),
            reason: a.reason.clone(),
            description: format!("Adendum {}: {}", a.version, said.join("; ")),
            lines: current.clone(),
            delivery_date: delivery.clone(),
            total: total(&current),
        });
    }
    out
}

// ---- releases ----

fn value(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "IDR" })
}

fn percent(bp: i32) -> Value {
    json!(f64::from(bp) / 100.0)
}

/// OCDS party scale from the PP 7/2021 scale frozen on the order.
fn ocds_scale(scale: &str) -> Option<&'static str> {
    match scale {
        "mikro" => Some("micro"),
        "kecil" | "menengah" => Some("sme"),
        "besar" => Some("large"),
        _ => None,
    }
}

#[derive(serde::Deserialize)]
struct CertificateOnly {
    tkdn_certificate: Option<String>,
}

fn items(f: &OrderFacts, stage: &Stage) -> Value {
    let items: Vec<Value> = f
        .lines
        .iter()
        .zip(&stage.lines)
        .map(|(l, (q, p))| {
            let mut local = json!({
                "tkdnPercentage": percent(l.tkdn_bp),
                "bmpPercentage": percent(l.bmp_bp),
                "tkdnBmpPercentage": percent(l.tkdn_bp.saturating_add(l.bmp_bp)),
                "pdnClass": l.pdn_class,
                "umkk": l.umkk,
                "localVendor": l.local_vendor,
            });
            let certificate =
                serde_json::from_str::<CertificateOnly>(&l.facts_json).ok().and_then(|c| c.tkdn_certificate);
            if let Some(c) = certificate.filter(|c| !c.is_empty()) {
                local["tkdnCertificateNumber"] = c.into();
            }
            if let Some(s) = l.vendor_scale.as_deref().filter(|s| !s.is_empty()) {
                local["vendorScale"] = s.into();
            }
            if let Some(r) = l.vendor_region_code.as_deref().filter(|r| !r.is_empty()) {
                local["vendorRegionCode"] = r.into();
            }
            json!({
                "id": l.line_no.to_string(),
                "description": l.product_name,
                "quantity": q,
                "unit": { "name": l.unit, "value": value(*p) },
                "localContent": local,
            })
        })
        .collect();
    Value::Array(items)
}

fn method_details(method: &str) -> &'static str {
    match method {
        "pembelian_langsung" => "Pembelian langsung (Bela Pengadaan)",
        _ => "E-purchasing (katalog elektronik)",
    }
}

impl Loaded {
    fn org_ref(&self, id: &str) -> Value {
        let name = self.orgs.get(id).map(|o| o.name.as_str()).unwrap_or(id);
        json!({ "id": id, "name": name })
    }

    fn vendor_ref(&self, id: &str) -> Value {
        let name = self
            .vendor_names
            .get(id)
            .map(String::as_str)
            .or_else(|| self.orgs.get(id).map(|o| o.name.as_str()))
            .unwrap_or(id);
        json!({ "id": id, "name": name })
    }

    fn parties(&self, f: &OrderFacts) -> Value {
        let o = &f.order;
        let mut buyer = self.org_ref(&o.satker_id);
        buyer["roles"] = json!(["buyer", "procuringEntity", "payer"]);
        let mut parents = Vec::new();
        let mut next = self.orgs.get(&o.satker_id).and_then(|s| s.parent_id.clone());
        while let Some(id) = next.take() {
            let Some(org) = self.orgs.get(&id) else { break };
            parents.push(json!({ "id": id, "name": org.name, "kind": org.kind }));
            if parents.len() < 4 {
                next = org.parent_id.clone();
            }
        }
        if !parents.is_empty() {
            buyer["parentOrganizations"] = Value::Array(parents);
        }
        let mut supplier = self.vendor_ref(&o.vendor_id);
        supplier["roles"] = json!(["supplier", "payee"]);
        if let Some(scale) = f.lines.first().and_then(|l| l.vendor_scale.as_deref()).and_then(ocds_scale) {
            supplier["details"] = json!({ "scale": scale });
        }
        json!([buyer, supplier])
    }

    fn release(&self, s: &OcdsSettings, e: &Event) -> Option<Release> {
        let f = self.orders.get(&e.order_id)?;
        let o = &f.order;
        let ocid = s.ocid(&o.id);
        let contract_id = o.sp_number.clone().unwrap_or_else(|| o.id.clone());
        let mut r = Release {
            id: String::new(),
            ocid: ocid.clone(),
            date: from_db(e.at),
            tag: Vec::new(),
            initiation_type: "tender",
            language: "id",
            parties: None,
            buyer: None,
            planning: None,
            tender: None,
            awards: None,
            contracts: None,
        };
        match e.kind {
            Kind::Contract => {
                let stage = f.stages.first()?;
                let items = items(f, stage);
                r.id = format!("{ocid}-contract");
                r.tag = vec!["award", "contract"];
                r.parties = Some(self.parties(f));
                r.buyer = Some(self.org_ref(&o.satker_id));
                let source =
                    format!("Sumber dana {}, tahun anggaran {}", o.funding_source.to_uppercase(), o.fiscal_year);
                r.planning = Some(json!({ "budget": {
                    "id": o.budget_line,
                    "description": source,
                    "projectID": o.rup_code,
                }}));
                r.tender = Some(json!({
                    "id": o.id,
                    "status": "complete",
                    "procurementMethod": "direct",
                    "procurementMethodDetails": method_details(&o.method),
                    "procuringEntity": self.org_ref(&o.satker_id),
                }));
                r.awards = Some(json!([{
                    "id": o.id,
                    "status": "pending",
                    "date": r.date,
                    "value": value(stage.total),
                    "suppliers": [self.vendor_ref(&o.vendor_id)],
                    "items": items,
                }]));
                let mut period = json!({ "startDate": r.date });
                if let Some(end) = self.end_of_day(s, &stage.delivery_date) {
                    period["endDate"] = json!(end);
                }
                r.contracts = Some(json!([{
                    "id": contract_id,
                    "awardID": o.id,
                    "title": format!("Surat Pesanan {contract_id}"),
                    "status": "pending",
                    "value": value(stage.total),
                    "items": items,
                    "period": period,
                }]));
            }
            Kind::Signed => {
                r.id = format!("{ocid}-signed");
                r.tag = vec!["contractUpdate"];
                r.awards = Some(json!([{ "id": o.id, "status": "active" }]));
                r.contracts =
                    Some(json!([{ "id": contract_id, "awardID": o.id, "status": "active", "dateSigned": r.date }]));
            }
            Kind::Amendment => {
                let version: i32 = e.seq.parse().ok()?;
                let i = f.stages.iter().position(|st| st.version == version)?;
                let (before, stage) = (&f.stages[i - 1], &f.stages[i]);
                let previous = if before.version == 1 {
                    format!("{ocid}-contract")
                } else {
                    format!("{ocid}-amendment-{}", before.version)
                };
                r.id = format!("{ocid}-amendment-{version}");
                r.tag = vec!["contractAmendment"];
                let mut contract = json!({
                    "id": contract_id,
                    "awardID": o.id,
                    "value": value(stage.total),
                    "items": items(f, stage),
                    "amendments": [{
                        "id": version.to_string(),
                        "date": r.date,
                        "rationale": stage.reason,
                        "description": stage.description,
                        "amendsReleaseID": previous,
                        "releaseID": r.id,
                    }],
                });
                if stage.delivery_date != before.delivery_date {
                    if let Some(end) = self.end_of_day(s, &stage.delivery_date) {
                        contract["period"] = json!({ "endDate": end });
                    }
                }
                r.contracts = Some(json!([contract]));
            }
            Kind::Payment => {
                r.id = format!("{ocid}-payment-{}", e.seq);
                r.tag = vec!["implementation"];
                r.contracts = Some(json!([{
                    "id": contract_id,
                    "awardID": o.id,
                    "implementation": { "transactions": [{
                        "id": e.seq,
                        "date": r.date,
                        "value": value(e.amount),
                        "payer": self.org_ref(&o.satker_id),
                        "payee": self.vendor_ref(&o.vendor_id),
                    }]},
                }]));
            }
            Kind::End => {
                if o.state == "completed" {
                    r.id = format!("{ocid}-completed");
                    r.tag = vec!["contractTermination"];
                    r.contracts = Some(json!([{ "id": contract_id, "awardID": o.id, "status": "terminated" }]));
                } else {
                    r.id = format!("{ocid}-cancelled");
                    r.tag = vec!["awardCancellation", "contractUpdate"];
                    r.awards = Some(json!([{ "id": o.id, "status": "cancelled" }]));
                    r.contracts = Some(json!([{ "id": contract_id, "awardID": o.id, "status": "cancelled" }]));
                }
            }
        }
        Some(r)
    }

    /// The last second of a delivery day, in the marketplace's zone.
    fn end_of_day(&self, s: &OcdsSettings, date: &str) -> Option<DateTime<Utc>> {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?.succ_opt()?;
        Some(s.zone.start_of(d) - TimeDelta::seconds(1))
    }
}

// ---- the feed and the records ----

/// Releases visible now: dated before `now - settle`.
fn cutoff(s: &OcdsSettings, now: DateTime<Utc>) -> NaiveDateTime {
    to_db(now - s.settle)
}

/// A page of releases in date order, and the cursor of the next page (if more follow).
pub fn releases(
    conn: &mut DbConn,
    s: &OcdsSettings,
    now: DateTime<Utc>,
    q: &FeedQuery,
) -> Result<(Vec<Release>, Option<String>), OcdsError> {
    // As everywhere (see `pasar_core::page`), a well-formed cursor this server did not
    // issue is harmless: the feed starts over.
    let after = q.after.as_deref().and_then(Position::decode);
    let since = q.since.map(to_db);
    // A cursor before `since` counts for nothing: the page starts at `since`.
    let after = after.filter(|p| since.is_none_or(|t| p.at >= t));
    let limit = i64::from(q.limit.max(1));
    let b = Bounds { from: since, after: after.as_ref(), until: cutoff(s, now), limit: limit + 1 };
    let mut events = contracts_after(conn, &b)?;
    events.extend(signed_after(conn, &b)?);
    events.extend(amendments_after(conn, &b)?);
    events.extend(payments_after(conn, &b)?);
    events.extend(ends_after(conn, &b)?);
    events.sort_by(|a, b| a.key().cmp(&b.key()));
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let ids: BTreeSet<String> = events.iter().map(|e| e.order_id.clone()).collect();
    let loaded = load(conn, &ids)?;
    let releases: Vec<Release> = events.iter().filter_map(|e| loaded.release(s, e)).collect();
    let next = if more { events.last().map(|e| e.position().encode()) } else { None };
    Ok((releases, next))
}

/// Every release of one order, in date order.
fn releases_of(
    conn: &mut DbConn,
    s: &OcdsSettings,
    now: DateTime<Utc>,
    order_id: &str,
) -> Result<Vec<Release>, OcdsError> {
    let until = cutoff(s, now);
    let ids: BTreeSet<String> = [order_id.to_owned()].into();
    let loaded = load(conn, &ids)?;
    let f = loaded.orders.get(order_id).ok_or(OcdsError::NotFound)?;
    let o = &f.order;
    let sp = o.sp_signed_at.filter(|t| *t < until).ok_or(OcdsError::NotFound)?;
    let event = |at: NaiveDateTime, kind: Kind, seq: String, amount: i64| Event {
        at,
        order_id: order_id.to_owned(),
        kind,
        seq,
        amount,
    };
    let mut events = vec![event(sp, Kind::Contract, String::new(), 0)];
    if let Some(t) = o.vendor_signed_at {
        events.push(event(t, Kind::Signed, String::new(), 0));
    }
    for st in f.stages.iter().skip(1) {
        events.push(event(st.at, Kind::Amendment, version_seq(st.version), 0));
    }
    let paid: Vec<(String, Option<NaiveDateTime>, i64)> = virtual_accounts::table
        .filter(virtual_accounts::order_id.eq(order_id))
        .filter(virtual_accounts::state.eq("paid"))
        .select((virtual_accounts::id, virtual_accounts::paid_at, virtual_accounts::amount_idr))
        .load(conn)?;
    for (id, at, amount) in paid {
        if let Some(at) = at {
            events.push(event(at, Kind::Payment, id, amount));
        }
    }
    if let Some(t) = o.ended_at.filter(|_| matches!(o.state.as_str(), "completed" | "cancelled")) {
        events.push(event(t, Kind::End, String::new(), 0));
    }
    events.retain(|e| e.at < until);
    events.sort_by(|a, b| a.key().cmp(&b.key()));
    Ok(events.iter().filter_map(|e| loaded.release(s, e)).collect())
}

/// The record of the process `ocid`: its releases and the compiled release.
pub fn record(conn: &mut DbConn, s: &OcdsSettings, now: DateTime<Utc>, ocid: &str) -> Result<Record, OcdsError> {
    let order_id = s.order_of(ocid).ok_or(OcdsError::NotFound)?;
    let releases = releases_of(conn, s, now, order_id)?;
    let compiled = compile(&releases);
    Ok(Record { ocid: ocid.to_owned(), releases, compiled_release: compiled })
}

pub fn release_package(
    s: &OcdsSettings,
    uri: String,
    now: DateTime<Utc>,
    releases: Vec<Release>,
    next: Option<String>,
) -> ReleasePackage {
    ReleasePackage {
        uri,
        version: "1.1",
        extensions: vec![s.extension_url()],
        published_date: now,
        publisher: s.publisher(),
        license: s.license.clone(),
        publication_policy: s.publication_policy.clone(),
        releases,
        links: Links { next },
    }
}

pub fn record_package(s: &OcdsSettings, uri: String, now: DateTime<Utc>, record: Record) -> RecordPackage {
    RecordPackage {
        uri,
        version: "1.1",
        extensions: vec![s.extension_url()],
        published_date: now,
        publisher: s.publisher(),
        license: s.license.clone(),
        publication_policy: s.publication_policy.clone(),
        records: vec![record],
    }
}

// ---- compiling ----

/// The compiled release: the releases merged in date order by the OCDS merge rules —
/// objects field by field, arrays of objects with `id` item by item (identifier merge),
/// any other value replaced by the later one; `tag` is `compiled`.
pub fn compile(releases: &[Release]) -> Value {
    let mut compiled = Map::new();
    for r in releases {
        if let Ok(Value::Object(fields)) = serde_json::to_value(r) {
            merge_object(&mut compiled, &fields);
        }
    }
    if let Some(last) = releases.last() {
        compiled.insert("id".into(), format!("{}-{}", last.ocid, last.date.format("%Y%m%dT%H%M%S%.6fZ")).into());
    }
    compiled.insert("tag".into(), json!(["compiled"]));
    Value::Object(compiled)
}

fn is_identified(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|v| v.get("id").is_some_and(|id| !id.is_null()))
}

fn merge_object(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match v {
            Value::Null => {
                into.remove(k);
            }
            Value::Object(fields) => match into.get_mut(k) {
                Some(Value::Object(existing)) => merge_object(existing, fields),
                _ => {
                    let mut fresh = Map::new();
                    merge_object(&mut fresh, fields);
                    into.insert(k.clone(), Value::Object(fresh));
                }
            },
            Value::Array(items) if is_identified(items) => {
                let existing = match into.get_mut(k) {
                    Some(Value::Array(existing)) => existing,
                    _ => {
                        into.insert(k.clone(), Value::Array(Vec::new()));
                        match into.get_mut(k) {
                            Some(Value::Array(a)) => a,
                            _ => continue,
                        }
                    }
                };
                for item in items {
                    let Value::Object(fields) = item else { continue };
                    let id = &fields["id"];
                    match existing.iter_mut().find(|e| e.get("id") == Some(id)) {
                        Some(Value::Object(target)) => merge_object(target, fields),
                        _ => {
                            let mut fresh = Map::new();
                            merge_object(&mut fresh, fields);
                            existing.push(Value::Object(fresh));
                        }
                    }
                }
            }
            other => {
                into.insert(k.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pasar_core::page::decode_cursor;

    #[test]
    fn prefixes_have_the_registered_shape() {
        for good in ["ocds-pasar0", "ocds-abc123", "ocds-abc123-mojokerto", "ocds-abc123-35-76"] {
            assert!(OcdsSettings::valid_prefix(good), "{good}");
        }
        for bad in
            ["", "ocds-", "ocds-ABC123", "ocds-abc12", "abc-abc123", "ocds-abc123-", "ocds-abc123x", "ocds-abc123-a b"]
        {
            assert!(!OcdsSettings::valid_prefix(bad), "{bad}");
        }
        let s = OcdsSettings { ocid_prefix: "ocds-abc123-kota".into(), ..Default::default() };
        let id = "0193a000-0000-7000-8000-000000000031";
        assert_eq!(s.order_of(&s.ocid(id)), Some(id));
        assert_eq!(s.order_of("ocds-abc123-0193a000-0000-7000-8000-000000000031"), None);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let p = Position {
            at: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap().and_hms_micro_opt(10, 11, 12, 345_678).unwrap(),
            order_id: "0193a000-0000-7000-8000-000000000031".into(),
            kind: Kind::Amendment,
            seq: version_seq(3),
        };
        let key = decode_cursor(&p.encode()).unwrap();
        assert_eq!(Position::decode(&key), Some(p));
        assert_eq!(Position::decode("hello"), None);
        assert_eq!(Position::decode("2026-12-02T10:11:12|x|9|"), None);
    }

    #[test]
    fn the_signed_surat_pesanan_gives_back_what_an_addendum_replaced() {
        let text = "SURAT PESANAN\nTanggal pengiriman: 2027-01-15\n\
                    Baris 1: Kain | Tenun x 2 | 3 pcs x Rp450.000 = Rp1.350.000 | TKDN 4500 bp, BMP 1000 bp, pdn\n\
                    Baris 2: Meja | 10 unit x Rp1.250.000 = Rp12.500.000 | TKDN 0 bp, BMP 0 bp, import\n";
        assert_eq!(signed_line(text, 1), Some((3, 450_000)));
        assert_eq!(signed_line(text, 2), Some((10, 1_250_000)));
        assert_eq!(signed_line(text, 3), None);
        assert_eq!(signed_delivery(text).as_deref(), Some("2027-01-15"));
    }

    #[test]
    fn compiling_merges_objects_and_identified_arrays() {
        let mut a = Map::new();
        merge_object(
            &mut a,
            json!({ "contracts": [{ "id": "SP-1", "status": "pending", "items": [{ "id": "1", "quantity": 3 }] }] })
                .as_object()
                .unwrap(),
        );
        merge_object(
            &mut a,
            json!({ "contracts": [{ "id": "SP-1", "status": "active", "items": [{ "id": "1", "quantity": 4 }],
                                    "implementation": { "transactions": [{ "id": "va-1" }] } }] })
            .as_object()
            .unwrap(),
        );
        merge_object(
            &mut a,
            json!({ "contracts": [{ "id": "SP-1", "implementation": { "transactions": [{ "id": "va-2" }] } }] })
                .as_object()
                .unwrap(),
        );
        let c = &a["contracts"][0];
        assert_eq!(c["status"], "active");
        assert_eq!(c["items"][0]["quantity"], 4);
        assert_eq!(c["implementation"]["transactions"].as_array().unwrap().len(), 2);
    }
}
