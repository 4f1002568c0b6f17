//! Webhooks: the pemda's other systems subscribe a URL to events (order steps,
//! payments) and receive each one as a signed HTTP POST.
//!
//! An event is an audit entry whose action is in [`EVENT_TYPES`]. [`crate::audit::append`]
//! calls [`fan_out`] for every entry, inside the business transaction, so one outbox
//! message (kind [`KIND_WEBHOOK`]) is queued per matching active subscription together
//! with the change itself: no event is lost, and none is sent for a change that was rolled
//! back. The deliverer (in the server) signs each attempt with the subscription's current
//! secret (see [`signature`]) and posts the body exactly as queued here.
//!
//! The body is the [`Envelope`]; `docs/WEBHOOKS.md` describes it, the headers and how to
//! verify a delivery.

use crate::audit::AuditEntry;
use crate::outbox::{self, NewMessage};
use crate::schema::{orders, webhook_subscriptions as subs};
use crate::{time, DbConn};
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

pub use crate::outbox::KIND_WEBHOOK;

/// The event sent by "send a test ping"; it goes to one subscription only.
pub const PING: &str = "webhook.ping";

/// Every event a subscription may ask for, with what it means. The names are the audit
/// actions that cause them; a test in the order crate keeps the `order.*` list in step
/// with the order's actions.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("order.checkout", "An order was placed; it awaits the PPK's approval."),
    ("order.offer", "The buyer offered lower unit prices."),
    ("order.counter", "The vendor answered an offer with prices of its own."),
    ("order.accept_prices", "The last offer or counter-offer was accepted."),
    ("order.end_negotiation", "The negotiation ended; the prices agreed before stay."),
    ("order.approve", "The PPK approved and signed the Surat Pesanan."),
    ("order.reject", "The PPK refused the order."),
    ("order.cancel", "The buyer withdrew the order."),
    ("order.expire", "Nobody acted before the deadline; the order is cancelled."),
    ("order.accept", "The vendor countersigned the Surat Pesanan."),
    ("order.decline", "The vendor refused the Surat Pesanan; the order is cancelled."),
    ("order.ship", "The vendor sent (part of) the goods."),
    ("order.receive", "The PPK recorded the inspection of the delivery."),
    ("order.sign_bast", "The PPK signed the BAST."),
    ("order.countersign_bast", "The vendor countersigned the BAST; the invoice is issued."),
    ("order.amend", "An addendum was proposed, accepted or refused."),
    ("order.rate", "The PPK rated the vendor."),
    ("order.request_payment", "The treasurer was given a virtual account for the invoice."),
    ("order.reissue_virtual_account", "A new virtual account replaced an expired one."),
    ("order.pay", "The bank reported the invoice paid."),
    ("order.complete", "The paid order is closed."),
    ("payment.reconcile", "A bank statement was reconciled with Pasar's payments."),
];

/// Whether `action` is an event subscriptions can receive.
pub fn is_event(action: &str) -> bool {
    EVENT_TYPES.iter().any(|(name, _)| *name == action)
}

/// Whether `pattern` is something a subscription may ask for: `*`, an event type, or a
/// prefix of some event types ending in `.*` (`order.*`).
pub fn valid_pattern(pattern: &str) -> bool {
    if pattern == "*" || is_event(pattern) {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) if prefix.ends_with('.') => EVENT_TYPES.iter().any(|(name, _)| name.starts_with(prefix)),
        _ => false,
    }
}

/// Whether `event` is one of `patterns` (see [`valid_pattern`]). The ping is for every
/// subscription.
pub fn matches(patterns: &[String], event: &str) -> bool {
    event == PING
        || patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => event.starts_with(prefix),
            None => p == event,
        })
}

/// A subscription as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = subs)]
#[diesel(treat_none_as_null = true)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub description: String,
    /// JSON array of patterns; see [`Subscription::patterns`].
    pub events: String,
    pub secret: String,
    pub active: bool,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub secret_rotated_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

impl Subscription {
    pub fn patterns(&self) -> Vec<String> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }
}

pub fn insert(conn: &mut DbConn, sub: &Subscription) -> QueryResult<()> {
    diesel::insert_into(subs::table).values(sub).execute(conn).map(drop)
}

/// Writes every field of `sub` back.
pub fn save(conn: &mut DbConn, sub: &Subscription) -> QueryResult<()> {
    diesel::update(subs::table.find(&sub.id)).set(sub).execute(conn).map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Subscription>> {
    subs::table.find(id).select(Subscription::as_select()).first(conn).optional()
}

/// The subscription, locked for a read-modify-write (see `crate::first_for_update`).
pub fn lock(conn: &mut DbConn, id: &str) -> QueryResult<Option<Subscription>> {
    crate::first_for_update!(conn, subs::table.find(id.to_owned()).select(Subscription::as_select()))
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    diesel::delete(subs::table.find(id)).execute(conn).map(|n| n == 1)
}

/// Subscriptions in id order (creation order), after `after`, at most `limit`.
pub fn list(conn: &mut DbConn, after: Option<&str>, limit: i64) -> QueryResult<Vec<Subscription>> {
    let mut q = subs::table.select(Subscription::as_select()).into_boxed();
    if let Some(after) = after {
        q = q.filter(subs::id.gt(after.to_owned()));
    }
    q.order(subs::id.asc()).limit(limit).load(conn)
}

/// Notes the outcome of a delivery attempt on its subscription (a missing one is
/// ignored): the HTTP status if there was an answer, the error if it was not accepted.
pub fn record_attempt(
    conn: &mut DbConn,
    id: &str,
    at: DateTime<Utc>,
    status: Option<u16>,
    error: Option<&str>,
) -> QueryResult<()> {
    diesel::update(subs::table.find(id))
        .set((
            subs::last_attempt_at.eq(Some(time::to_db(at))),
            subs::last_status.eq(status.map(i32::from)),
            subs::last_error.eq(error.map(|e| e.chars().take(500).collect::<String>())),
        ))
        .execute(conn)
        .map(drop)
}

/// Points the messages not yet delivered to a subscription at its new URL, so the
/// outbox shows where they will go.
pub fn readdress_pending(conn: &mut DbConn, id: &str, url: &str) -> QueryResult<usize> {
    use crate::schema::outbox::dsl as o;
    diesel::update(
        o::outbox
            .filter(o::kind.eq(KIND_WEBHOOK))
            .filter(o::status.ne(outbox::Status::Sent.as_str()))
            .filter(o::payload_json.like(format!("%\"subscription_id\":\"{id}\"%"))),
    )
    .set(o::recipient.eq(url))
    .execute(conn)
}

/// What a webhook message carries in the outbox: whom it is for and the exact body to
/// post. The secret is not in it: the deliverer reads the subscription's current one.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Payload {
    pub subscription_id: String,
    pub event_id: String,
    pub event_type: String,
    /// The envelope as JSON text, posted byte for byte on every attempt.
    pub body: String,
}

/// The body of every delivery. See `docs/WEBHOOKS.md`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Envelope {
    /// Unique per event (the same for every subscription that receives it): receivers
    /// use it to ignore a repeated delivery.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the change happened (its transaction's time), RFC 3339 UTC.
    pub occurred_at: String,
    /// What the event is about: `{"kind": "order", "id": "…"}`.
    pub subject: Subject,
    pub data: Value,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Subject {
    pub kind: String,
    pub id: String,
}

/// Fields of an order step's audit detail that may go to another system; anything else
/// (reasons, notes, negotiated prices, comments) stays in Pasar.
const CHANGE_FIELDS: &[&str] = &[
    "from",
    "to",
    "checkout_ref",
    "round",
    "party",
    "total_idr",
    "lines",
    "sp_number",
    "sp_sha256",
    "countersigned",
    "shipment",
    "bast_number",
    "invoice_number",
    "payable_idr",
    "addendum",
    "accepted",
    "version",
    "score",
    "virtual_account_no",
    "bank",
    "amount_idr",
    "expires_at",
    "payment_request_id",
    "reference_no",
];

/// Fields of a reconciliation's audit detail that go out.
const RECONCILIATION_FIELDS: &[&str] = &[
    "bank",
    "from",
    "to",
    "file_sha256",
    "statement_rows",
    "matched",
    "unknown_in_pasar",
    "missing_at_bank",
    "amount_differs",
];

fn pick(from: Option<&Value>, fields: &[&str]) -> Value {
    let mut out = Map::new();
    if let Some(Value::Object(m)) = from {
        for f in fields {
            if let Some(v) = m.get(*f) {
                out.insert((*f).to_owned(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The order as other systems see it in an event: where it stands and its sums.
fn order_data(conn: &mut DbConn, id: &str) -> QueryResult<Value> {
    #[allow(clippy::type_complexity)]
    let row: Option<(String, String, String, String, i32, i64, Option<String>, Option<String>, String)> = orders::table
        .find(id)
        .select((
            orders::id,
            orders::state,
            orders::satker_id,
            orders::vendor_id,
            orders::fiscal_year,
            orders::total_idr,
            orders::sp_number,
            orders::invoice_number,
            orders::checkout_ref,
        ))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => json!({ "id": id }),
        Some((id, state, satker_id, vendor_id, fiscal_year, total_idr, sp_number, invoice_number, checkout_ref)) => {
            json!({
                "id": id, "state": state, "satker_id": satker_id, "vendor_id": vendor_id,
                "fiscal_year": fiscal_year, "total_idr": total_idr, "sp_number": sp_number,
                "invoice_number": invoice_number, "checkout_ref": checkout_ref,
            })
        }
    })
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Queues the event of `entry` for every active subscription that asked for it. Called
/// by [`crate::audit::append`] inside the business transaction; does nothing (not even
/// a query) for an action that is not an event.
pub fn fan_out(conn: &mut DbConn, now: DateTime<Utc>, entry: &AuditEntry<'_>) -> QueryResult<usize> {
    if !is_event(entry.action) {
        return Ok(0);
    }
    let targets: Vec<Subscription> = subs::table
        .filter(subs::active.eq(true))
        .order(subs::id.asc())
        .select(Subscription::as_select())
        .load(conn)?
        .into_iter()
        .filter(|s| matches(&s.patterns(), entry.action))
        .collect();
    if targets.is_empty() {
        return Ok(0);
    }
    let data = match entry.entity_type {
        "order" => json!({
            "order": order_data(conn, entry.entity_id)?,
            "change": pick(entry.after.as_ref(), CHANGE_FIELDS),
        }),
        "reconciliation" => json!({ "reconciliation": pick(entry.after.as_ref(), RECONCILIATION_FIELDS) }),
        _ => json!({}),
    };
    let envelope = Envelope {
        id: uuid::Uuid::now_v7().to_string(),
        event_type: entry.action.to_owned(),
        occurred_at: stamp(now),
        subject: Subject { kind: entry.entity_type.to_owned(), id: entry.entity_id.to_owned() },
        data,
    };
    for sub in &targets {
        enqueue(conn, now, sub, &envelope)?;
    }
    Ok(targets.len())
}

/// Queues a test event for one subscription (whatever it subscribed to, even if
/// inactive: the deliverer then records why it was not sent). Returns the outbox id and
/// the event.
pub fn ping(conn: &mut DbConn, now: DateTime<Utc>, sub: &Subscription) -> QueryResult<(String, Envelope)> {
    let envelope = Envelope {
        id: uuid::Uuid::now_v7().to_string(),
        event_type: PING.to_owned(),
        occurred_at: stamp(now),
        subject: Subject { kind: "webhook_subscription".into(), id: sub.id.clone() },
        data: json!({ "message": "Pasar webhook test" }),
    };
    let id = enqueue(conn, now, sub, &envelope)?;
    Ok((id, envelope))
}

fn enqueue(conn: &mut DbConn, now: DateTime<Utc>, sub: &Subscription, envelope: &Envelope) -> QueryResult<String> {
    let body = serde_json::to_string(envelope).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let payload = Payload {
        subscription_id: sub.id.clone(),
        event_id: envelope.id.clone(),
        event_type: envelope.event_type.clone(),
        body,
    };
    let payload = serde_json::to_value(&payload).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    outbox::enqueue(
        conn,
        now,
        NewMessage {
            kind: KIND_WEBHOOK,
            recipient: &sub.url,
            subject: &envelope.event_type,
            payload,
            expires_at: None,
        },
    )
}

/// The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret` (its UTF-8 bytes).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // An HMAC takes a key of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The `Pasar-Signature` header of a delivery at `timestamp` (Unix seconds).
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", signature(secret, timestamp, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_by_name_prefix_or_everything() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches(&p(&["order.*"]), "order.pay"));
        assert!(!matches(&p(&["order.*"]), "payment.reconcile"));
        assert!(matches(&p(&["order.pay", "payment.reconcile"]), "payment.reconcile"));
        assert!(!matches(&p(&["order.pay"]), "order.pay_later"));
        assert!(matches(&p(&["*"]), "order.complete"));
        assert!(matches(&p(&["order.pay"]), PING), "a ping reaches every subscription");
        for ok in ["*", "order.*", "payment.*", "order.approve"] {
            assert!(valid_pattern(ok), "{ok}");
        }
        for bad in ["", "order", "order.", "orders.*", "order.*.x", "user.create", "*.pay", "order.approve*"] {
            assert!(!valid_pattern(bad), "{bad}");
        }
    }

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // The value computed independently:
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        let sig = signature("whsec_test", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(sig, "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
        assert_eq!(signature_header("whsec_test", 1_700_000_000, br#"{"a":1}"#), format!("t=1700000000,v1={sig}"));
        assert_ne!(sig, signature("whsec_other", 1_700_000_000, br#"{"a":1}"#));
        assert_ne!(sig, signature("whsec_test", 1_700_000_001, br#"{"a":1}"#));
    }
}
