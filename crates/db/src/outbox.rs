//! The outbox: messages written inside the business transaction that causes them, and
//! delivered afterwards by a worker. A message is never dropped: a failed delivery is
//! retried with exponential back-off (capped at an hour) until it succeeds.
//!
//! Workers claim messages with a lease (`locked_until`), taken with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL so that several instances never send the same
//! message twice; a worker that dies mid-send releases its claim when the lease ends.

use crate::schema::outbox;
use crate::{time, DbConn};
use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;

pub const KIND_MAIL: &str = "mail";
const PENDING: &str = "pending";
const SENT: &str = "sent";

/// A mail to send.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewRow<'a> {
    id: String,
    kind: &'a str,
    recipient: &'a str,
    subject: &'a str,
    body: &'a str,
    status: &'a str,
    attempts: i32,
    next_attempt_at: chrono::NaiveDateTime,
    created_at: chrono::NaiveDateTime,
}

/// A message claimed for delivery.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = outbox)]
pub struct OutboxMessage {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Queues a mail. Call inside the business transaction.
pub fn enqueue_mail(conn: &mut DbConn, now: DateTime<Utc>, mail: NewMail<'_>) -> QueryResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(outbox::table)
        .values(NewRow {
            id: id.clone(),
            kind: KIND_MAIL,
            recipient: mail.to,
            subject: mail.subject,
            body: mail.body,
            status: PENDING,
            attempts: 0,
            next_attempt_at: time::to_db(now),
            created_at: time::to_db(now),
        })
        .execute(conn)?;
    Ok(id)
}

/// Claims up to `limit` due messages for `lease`. Call inside a write transaction;
/// deliver after it commits.
pub fn claim_due(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    lease: TimeDelta,
    limit: i64,
) -> QueryResult<Vec<OutboxMessage>> {
    let now_db = time::to_db(now);
    let due = outbox::table
        .filter(outbox::status.eq(PENDING))
        .filter(outbox::next_attempt_at.le(now_db))
        .filter(outbox::locked_until.is_null().or(outbox::locked_until.le(now_db)))
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id);
    let ids: Vec<String> = match conn {
        DbConn::Pg(pg) => due.for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set((outbox::locked_until.eq(time::to_db(now + lease)), outbox::attempts.eq(outbox::attempts + 1)))
        .execute(conn)?;
    outbox::table
        .filter(outbox::id.eq_any(&ids))
        .order(outbox::next_attempt_at.asc())
        .select(OutboxMessage::as_select())
        .load(conn)
}

pub fn mark_sent(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(SENT),
            outbox::sent_at.eq(Some(time::to_db(now))),
            outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(drop)
}

/// Records a failed attempt and schedules the next one.
pub fn mark_failed(conn: &mut DbConn, id: &str, now: DateTime<Utc>, attempts: i32, error: &str) -> QueryResult<()> {
    let error: String = error.chars().take(2_000).collect();
    diesel::update(outbox::table.find(id))
        .set((
            outbox::next_attempt_at.eq(time::to_db(now + backoff(attempts))),
            outbox::locked_until.eq(None::<chrono::NaiveDateTime>),
            outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)
        .map(drop)
}

/// The wait before attempt `attempts + 1`: 10 s, 20 s, 40 s, … capped at one hour.
pub fn backoff(attempts: i32) -> TimeDelta {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    let secs = 10i64.saturating_mul(1i64 << exp.min(16));
    TimeDelta::seconds(secs.min(3_600))
}

/// Every message, newest first (operators and tests).
pub fn list(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<OutboxMessage>> {
    outbox::table.order(outbox::id.desc()).limit(limit).select(OutboxMessage::as_select()).load(conn)
}

/// How many messages still wait for delivery.
pub fn pending_count(conn: &mut DbConn) -> QueryResult<i64> {
    outbox::table.filter(outbox::status.eq(PENDING)).count().get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps_at_an_hour() {
        assert_eq!(backoff(1), TimeDelta::seconds(10));
        assert_eq!(backoff(2), TimeDelta::seconds(20));
        assert_eq!(backoff(4), TimeDelta::seconds(80));
        assert_eq!(backoff(30), TimeDelta::seconds(3_600));
        assert_eq!(backoff(0), TimeDelta::seconds(10));
    }
}
