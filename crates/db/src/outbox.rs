//! The outbox: messages written inside the business transaction that causes them, and
//! delivered afterwards by a worker, one deliverer per kind (`mail` today; webhooks and
//! bank calls next).
//!
//! A message has a header that operators read (kind, recipient, subject, status) and a
//! payload that only its deliverer reads. Its life:
//!
//! ```text
//!            claim, deliver ok                   retention chore
//! pending ───────────────────────▶ sent ──────────────────────────▶ (deleted)
//!   │  ▲ failed: retry after back-off
//!   │  └──────────┘
//!   │ failed max_attempts times, or expired          operator: retry
//!   └──────────────────────────────────────▶ dead ─────────────────▶ pending
//!                                              │ operator: remove
//!                                              └──────────────────▶ (deleted)
//! ```
//!
//! - The payload is removed when the message is delivered: it may hold a one-time secret
//!   (a verification or invitation link), and a delivered copy must not stay readable.
//!   This happens for every kind, so no new kind can forget it.
//! - A message may say when it stops being useful (`expires_at`, e.g. when its link
//!   expires): after that it is not delivered but turns dead, and a dead letter loses
//!   its payload then. A dead letter without an expiry keeps its payload until it is
//!   retried or removed.
//! - Workers claim messages with a lease (`locked_until`), taken with
//!   `FOR UPDATE SKIP LOCKED` on PostgreSQL so that several instances never send the same
//!   message twice; a worker that dies mid-send releases its claim when the lease ends.
//!   A worker claims only the kinds it can deliver: a message of a kind no running
//!   version knows stays pending, and is reported, never dropped.

use crate::schema::outbox;
use crate::{time, DbConn};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

pub const KIND_MAIL: &str = "mail";
/// A signed HTTP POST to a webhook subscription (see [`crate::webhook`]).
pub const KIND_WEBHOOK: &str = "webhook";

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for (another) delivery attempt.
    Pending,
    /// Delivered; the payload is gone.
    Sent,
    /// Gave up: failed `max_attempts` times or expired. Waits for an operator.
    Dead,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "pending" => Some(Status::Pending),
            "sent" => Some(Status::Sent),
            "dead" => Some(Status::Dead),
            _ => None,
        }
    }
}

/// A message of any kind, as its enqueuer hands it over.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Which deliverer takes it: [`KIND_MAIL`], …
    pub kind: &'a str,
    /// Where it goes, as operators read it: an email address, a URL.
    pub recipient: &'a str,
    /// What it is, in one line: a mail's subject, a webhook's event.
    pub subject: &'a str,
    /// What the deliverer needs besides the header. Removed once delivered.
    pub payload: serde_json::Value,
    /// When the message stops being useful (a link in it expires); `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A mail to send.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// A mail carrying a one-time link or token says when it expires: the mail is not
    /// sent after that, and a dead letter forgets its body then. `None` for mails that
    /// stay worth sending.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The payload of a mail.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MailPayload {
    pub body: String,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewRow<'a> {
    id: String,
    kind: &'a str,
    recipient: &'a str,
    subject: &'a str,
    payload_json: Option<String>,
    status: &'a str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

/// A message as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxMessage {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// `None` once delivered, or once a dead letter has expired.
    pub payload_json: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub dead_at: Option<NaiveDateTime>,
}

impl OutboxMessage {
    pub fn status(&self) -> Option<Status> {
        Status::parse(&self.status)
    }

    /// Whether an operator can send it again: a dead letter that still has its payload.
    pub fn retriable(&self) -> bool {
        self.status() == Some(Status::Dead) && self.payload_json.is_some()
    }
}

/// Queues a message of any kind. Call inside the business transaction.
pub fn enqueue(conn: &mut DbConn, now: DateTime<Utc>, msg: NewMessage<'_>) -> QueryResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(outbox::table)
        .values(NewRow {
            id: id.clone(),
            kind: msg.kind,
            recipient: msg.recipient,
            subject: msg.subject,
            payload_json: Some(msg.payload.to_string()),
            status: Status::Pending.as_str(),
            attempts: 0,
            next_attempt_at: time::to_db(now),
            expires_at: msg.expires_at.map(time::to_db),
            created_at: time::to_db(now),
        })
        .execute(conn)?;
    Ok(id)
}

/// Queues a mail. Call inside the business transaction.
pub fn enqueue_mail(conn: &mut DbConn, now: DateTime<Utc>, mail: NewMail<'_>) -> QueryResult<String> {
    let payload = serde_json::json!(MailPayload { body: mail.body.to_owned() });
    enqueue(
        conn,
        now,
        NewMessage { kind: KIND_MAIL, recipient: mail.to, subject: mail.subject, payload, expires_at: mail.expires_at },
    )
}

/// Claims up to `limit` due messages of the given kinds for `lease`, after turning the
/// due ones that expired into dead letters. Call inside a write transaction; deliver
/// after it commits.
pub fn claim_due(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    kinds: &[&str],
    lease: TimeDelta,
    limit: i64,
) -> QueryResult<Vec<OutboxMessage>> {
    expire_due(conn, now)?;
    let now_db = time::to_db(now);
    let due = outbox::table
        .filter(outbox::status.eq(Status::Pending.as_str()))
        .filter(outbox::kind.eq_any(kinds))
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

/// Pending messages whose `expires_at` has passed (and that no worker holds) become dead
/// letters without their payload: what they carried is no longer valid.
fn expire_due(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<usize> {
    let now_db = time::to_db(now);
    let expired = outbox::table
        .filter(outbox::status.eq(Status::Pending.as_str()))
        .filter(outbox::expires_at.le(now_db))
        .filter(outbox::locked_until.is_null().or(outbox::locked_until.le(now_db)))
        .select((outbox::id, outbox::last_error))
        .limit(100);
    let rows: Vec<(String, Option<String>)> = match conn {
        DbConn::Pg(pg) => expired.for_update().skip_locked().load(pg)?,
        DbConn::Sqlite(sqlite) => expired.load(sqlite)?,
    };
    for (id, last_error) in &rows {
        let error = match last_error {
            Some(e) => format!("expired before it could be delivered; last error: {e}"),
            None => "expired before it could be delivered".to_owned(),
        };
        diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq(Status::Dead.as_str()),
                outbox::dead_at.eq(Some(now_db)),
                outbox::payload_json.eq(None::<String>),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(truncate(&error))),
            ))
            .execute(conn)?;
    }
    Ok(rows.len())
}

/// Records a delivery and removes the payload: a one-time secret it held must not stay
/// readable in the database.
pub fn mark_sent(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(Status::Sent.as_str()),
            outbox::sent_at.eq(Some(time::to_db(now))),
            outbox::payload_json.eq(None::<String>),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(drop)
}

/// Records a failed attempt (the `attempts`-th): schedules the next one with back-off,
/// or, from `max_attempts` on, makes the message a dead letter. Returns its new status.
pub fn mark_failed(
    conn: &mut DbConn,
    id: &str,
    now: DateTime<Utc>,
    attempts: i32,
    max_attempts: i32,
    error: &str,
) -> QueryResult<Status> {
    let error = truncate(error);
    if attempts >= max_attempts {
        diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq(Status::Dead.as_str()),
                outbox::dead_at.eq(Some(time::to_db(now))),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?;
        return Ok(Status::Dead);
    }
    diesel::update(outbox::table.find(id))
        .set((
            outbox::next_attempt_at.eq(time::to_db(now + backoff(attempts))),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(Status::Pending)
}

fn truncate(error: &str) -> String {
    error.chars().take(2_000).collect()
}

/// The wait before attempt `attempts + 1`: 10 s, 20 s, 40 s, … capped at one hour.
pub fn backoff(attempts: i32) -> TimeDelta {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    let secs = 10i64.saturating_mul(1i64 << exp.min(16));
    TimeDelta::seconds(secs.min(3_600))
}

/// Puts a dead letter that still has its payload back in the queue, due now, with its
/// attempts reset (its last error stays until it is delivered). Returns whether it did:
/// `false` for any other message.
pub fn redrive(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::status.eq(Status::Dead.as_str()))
            .filter(outbox::payload_json.is_not_null()),
    )
    .set((
        outbox::status.eq(Status::Pending.as_str()),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(time::to_db(now)),
        outbox::locked_until.eq(None::<NaiveDateTime>),
        outbox::dead_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes a dead letter; returns whether there was one.
pub fn remove_dead(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = diesel::delete(outbox::table.find(id).filter(outbox::status.eq(Status::Dead.as_str()))).execute(conn)?;
    Ok(n == 1)
}

/// Deletes the messages delivered before `before`; returns how many.
pub fn purge_sent(conn: &mut DbConn, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        outbox::table.filter(outbox::status.eq(Status::Sent.as_str())).filter(outbox::sent_at.lt(time::to_db(before))),
    )
    .execute(conn)
}

/// Removes the payload of dead letters whose `expires_at` has passed; returns how many.
pub fn forget_expired_dead(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::status.eq(Status::Dead.as_str()))
            .filter(outbox::expires_at.le(time::to_db(now)))
            .filter(outbox::payload_json.is_not_null()),
    )
    .set(outbox::payload_json.eq(None::<String>))
    .execute(conn)
}

/// Notes on pending messages of kinds that no deliverer here knows why they wait, and
/// returns `(kind, how many)` of each such kind. They stay pending for a version that
/// knows them.
pub fn flag_unknown_kinds(conn: &mut DbConn, known: &[&str], note: &str) -> QueryResult<Vec<(String, i64)>> {
    let pending_unknown =
        || outbox::table.filter(outbox::status.eq(Status::Pending.as_str())).filter(outbox::kind.ne_all(known));
    let counts: Vec<(String, i64)> = pending_unknown()
        .group_by(outbox::kind)
        .select((outbox::kind, diesel::dsl::count_star()))
        .order(outbox::kind.asc())
        .load(conn)?;
    if !counts.is_empty() {
        diesel::update(pending_unknown().filter(outbox::last_error.is_null().or(outbox::last_error.ne(note))))
            .set(outbox::last_error.eq(Some(note)))
            .execute(conn)?;
    }
    Ok(counts)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<OutboxMessage>> {
    outbox::table.find(id).select(OutboxMessage::as_select()).first(conn).optional()
}

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub kind: Option<String>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
    /// Only messages whose id sorts after (or, newest first, before) this one.
    pub after: Option<String>,
}

/// Messages in id order (the order they were queued in).
pub fn list(conn: &mut DbConn, filter: &Filter, limit: i64) -> QueryResult<Vec<OutboxMessage>> {
    let mut q = outbox::table.select(OutboxMessage::as_select()).into_boxed();
    if let Some(status) = filter.status {
        q = q.filter(outbox::status.eq(status.as_str()));
    }
    if let Some(kind) = &filter.kind {
        q = q.filter(outbox::kind.eq(kind.clone()));
    }
    q = match (&filter.after, filter.newest_first) {
        (Some(after), false) => q.filter(outbox::id.gt(after.clone())),
        (Some(after), true) => q.filter(outbox::id.lt(after.clone())),
        (None, _) => q,
    };
    q = if filter.newest_first { q.order(outbox::id.desc()) } else { q.order(outbox::id.asc()) };
    q.limit(limit).load(conn)
}

/// The newest `limit` messages, newest first (operators and tests).
pub fn latest(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<OutboxMessage>> {
    list(conn, &Filter { newest_first: true, ..Filter::default() }, limit)
}

/// How many messages still wait for delivery.
pub fn pending_count(conn: &mut DbConn) -> QueryResult<i64> {
    outbox::table.filter(outbox::status.eq(Status::Pending.as_str())).count().get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::{establish, DbUrl};
    use crate::testing::{backends, TempPgDatabase};
    use crate::Backend;

    #[test]
    fn backoff_doubles_and_caps_at_an_hour() {
        assert_eq!(backoff(1), TimeDelta::seconds(10));
        assert_eq!(backoff(2), TimeDelta::seconds(20));
        assert_eq!(backoff(4), TimeDelta::seconds(80));
        assert_eq!(backoff(30), TimeDelta::seconds(3_600));
        assert_eq!(backoff(0), TimeDelta::seconds(10));
    }

    /// Runs `test` on a migrated database of each engine this run covers.
    fn on_each_backend(test: impl Fn(&mut DbConn)) {
        for backend in backends() {
            let pg = (backend == Backend::Postgres).then(TempPgDatabase::create);
            let url = match &pg {
                Some(db) => db.url.clone(),
                None => "sqlite://:memory:".to_owned(),
            };
            let mut conn = establish(&DbUrl::parse(&url).unwrap()).unwrap();
            crate::migrate::run_pending(&mut conn).unwrap();
            test(&mut conn);
        }
    }

    fn mail(conn: &mut DbConn, now: DateTime<Utc>, body: &str, expires_at: Option<DateTime<Utc>>) -> String {
        enqueue_mail(conn, now, NewMail { to: "siti@batik.test", subject: "Halo", body, expires_at }).unwrap()
    }

    fn get(conn: &mut DbConn, id: &str) -> OutboxMessage {
        find(conn, id).unwrap().expect("message")
    }

    fn claim(conn: &mut DbConn, now: DateTime<Utc>) -> Vec<OutboxMessage> {
        crate::write_tx(conn, |c| claim_due(c, now, &[KIND_MAIL], TimeDelta::minutes(10), 10)).unwrap()
    }

    #[test]
    fn a_delivered_message_loses_its_payload_and_keeps_its_header() {
        on_each_backend(|conn| {
            let now = Utc::now();
            let id = mail(conn, now, "token: abc.secret", None);
            let claimed = claim(conn, now);
            assert_eq!(claimed.len(), 1);
            let payload: MailPayload = serde_json::from_str(claimed[0].payload_json.as_deref().unwrap()).unwrap();
            assert_eq!(payload.body, "token: abc.secret");
            assert!(claim(conn, now).is_empty(), "a claimed message is leased, not claimed twice");
            mark_sent(conn, &id, now).unwrap();
            let sent = get(conn, &id);
            assert_eq!((sent.status(), sent.payload_json.as_deref()), (Some(Status::Sent), None));
            assert_eq!((sent.recipient.as_str(), sent.subject.as_str()), ("siti@batik.test", "Halo"));
            assert!(sent.sent_at.is_some());
        });
    }

    #[test]
    fn failures_back_off_then_make_a_dead_letter_that_an_operator_redrives() {
        on_each_backend(|conn| {
            let mut now = Utc::now();
            let id = mail(conn, now, "body", None);
            for attempt in 1..=3 {
                let claimed = claim(conn, now);
                assert_eq!(claimed.len(), 1, "attempt {attempt}");
                assert_eq!(claimed[0].attempts, attempt);
                let status = mark_failed(conn, &id, now, claimed[0].attempts, 3, "451 try later").unwrap();
                assert_eq!(status, if attempt < 3 { Status::Pending } else { Status::Dead });
                if attempt < 3 {
                    assert!(claim(conn, now).is_empty(), "not due before the back-off ends");
                }
                now += backoff(attempt);
            }
            let dead = get(conn, &id);
            assert_eq!(dead.status(), Some(Status::Dead));
            assert_eq!(dead.last_error.as_deref(), Some("451 try later"));
            assert!(dead.dead_at.is_some() && dead.retriable());
            assert!(claim(conn, now + TimeDelta::days(1)).is_empty(), "a dead letter is never claimed");

            assert!(redrive(conn, &id, now).unwrap());
            let again = get(conn, &id);
            assert_eq!((again.status(), again.attempts, again.dead_at), (Some(Status::Pending), 0, None));
            assert!(!redrive(conn, &id, now).unwrap(), "only a dead letter is redriven");
            assert_eq!(claim(conn, now).len(), 1);
            mark_sent(conn, &id, now).unwrap();
            assert!(!redrive(conn, &id, now).unwrap());
            assert!(!remove_dead(conn, &id).unwrap(), "a sent message is not removed as a dead letter");
        });
    }

    #[test]
    fn an_expired_message_is_not_delivered_and_a_dead_letter_forgets_its_secret() {
        on_each_backend(|conn| {
            let now = Utc::now();
            let expires = now + TimeDelta::hours(48);
            let late = mail(conn, now, "verify: abc.secret", Some(expires));
            let dead = mail(conn, now, "invite: def.secret", Some(expires));
            let forever = mail(conn, now, "approved", None);
            for m in claim(conn, now) {
                if m.id != late.as_str() {
                    mark_failed(conn, &m.id, now, m.attempts, 1, "550 no").unwrap();
                } else {
                    mark_failed(conn, &m.id, now, m.attempts, 5, "451 later").unwrap();
                }
            }
            let after = expires + TimeDelta::seconds(1);
            assert!(claim(conn, after).is_empty(), "the expired message is not delivered");
            let late = get(conn, &late);
            assert_eq!((late.status(), late.payload_json.as_deref()), (Some(Status::Dead), None));
            assert!(late.last_error.as_deref().unwrap().contains("expired"), "{:?}", late.last_error);
            assert!(late.last_error.as_deref().unwrap().contains("451 later"));
            assert!(!late.retriable());

            assert!(get(conn, &dead).payload_json.is_some(), "until it expires, a dead letter can be retried");
            assert_eq!(forget_expired_dead(conn, after).unwrap(), 1);
            let dead = get(conn, &dead);
            assert!(dead.payload_json.is_none() && !dead.retriable());
            assert!(!redrive(conn, &dead.id, after).unwrap());
            assert!(get(conn, &forever).retriable(), "a dead letter without an expiry keeps its payload");
            assert!(remove_dead(conn, &dead.id).unwrap());
            assert!(find(conn, &dead.id).unwrap().is_none());
        });
    }

    #[test]
    fn unknown_kinds_wait_and_are_flagged_never_dropped() {
        on_each_backend(|conn| {
            let now = Utc::now();
            let payload = serde_json::json!({ "url": "https://bank.test/hook" });
            let msg = NewMessage {
                kind: "webhook",
                recipient: "https://bank.test/hook",
                subject: "order.paid",
                payload,
                expires_at: None,
            };
            let id = enqueue(conn, now, msg).unwrap();
            assert!(claim(conn, now).is_empty(), "a mail worker does not take a webhook");
            let counts = flag_unknown_kinds(conn, &[KIND_MAIL], "no deliverer").unwrap();
            assert_eq!(counts, vec![("webhook".to_owned(), 1)]);
            let waiting = get(conn, &id);
            assert_eq!((waiting.status(), waiting.attempts), (Some(Status::Pending), 0));
            assert_eq!(waiting.last_error.as_deref(), Some("no deliverer"));
            let both = crate::write_tx(conn, |c| claim_due(c, now, &[KIND_MAIL, "webhook"], TimeDelta::minutes(1), 10))
                .unwrap();
            assert_eq!(both.len(), 1, "a worker that knows the kind takes it");
        });
    }

    #[test]
    fn the_migration_keeps_pending_mails_and_drops_the_content_of_delivered_ones() {
        use diesel_migrations::MigrationHarness;
        on_each_backend(|conn| {
            // Back to the outbox before this change (and whatever came after it).
            while crate::migrate::applied(conn).unwrap().iter().any(|v| v == "20261202000009") {
                match conn {
                    DbConn::Pg(c) => c.revert_last_migration(crate::migrate::POSTGRES).map(drop),
                    DbConn::Sqlite(c) => c.revert_last_migration(crate::migrate::SQLITE).map(drop),
                }
                .unwrap();
            }
            diesel::sql_query(
                "INSERT INTO outbox (id, kind, recipient, subject, body, status, attempts, next_attempt_at, \
                 created_at, sent_at) VALUES \
                 ('p', 'mail', 'x@y.test', 'Confirm', 'token p.secret', 'pending', 1, '2026-11-30 00:00:00', \
                  '2026-11-30 00:00:00', NULL), \
                 ('s', 'mail', 'x@y.test', 'Confirm', 'token s.secret', 'sent', 1, '2026-11-30 00:00:00', \
                  '2026-11-30 00:00:00', '2026-11-30 00:00:01')",
            )
            .execute(conn)
            .unwrap();
            crate::migrate::run_pending(conn).unwrap();
            let pending = get(conn, "p");
            let payload: MailPayload = serde_json::from_str(pending.payload_json.as_deref().unwrap()).unwrap();
            assert_eq!((pending.status(), payload.body.as_str()), (Some(Status::Pending), "token p.secret"));
            let sent = get(conn, "s");
            assert_eq!((sent.status(), sent.payload_json), (Some(Status::Sent), None), "the old token is gone");
        });
    }

    #[test]
    fn retention_deletes_only_messages_delivered_long_enough_ago() {
        on_each_backend(|conn| {
            let now = Utc::now();
            let old = mail(conn, now, "old", None);
            let recent = mail(conn, now, "recent", None);
            let dead = mail(conn, now, "dead", None);
            let pending = mail(conn, now, "pending", None);
            for m in claim(conn, now) {
                if m.id == dead {
                    mark_failed(conn, &m.id, now, m.attempts, 1, "550").unwrap();
                } else if m.id == pending {
                    mark_failed(conn, &m.id, now, m.attempts, 10, "451").unwrap();
                }
            }
            mark_sent(conn, &old, now - TimeDelta::days(31)).unwrap();
            mark_sent(conn, &recent, now - TimeDelta::days(29)).unwrap();
            assert_eq!(purge_sent(conn, now - TimeDelta::days(30)).unwrap(), 1);
            assert!(find(conn, &old).unwrap().is_none());
            for kept in [&recent, &dead, &pending] {
                assert!(find(conn, kept).unwrap().is_some());
            }
            let dead_only = Filter { status: Some(Status::Dead), ..Filter::default() };
            let listed: Vec<String> = list(conn, &dead_only, 10).unwrap().into_iter().map(|m| m.id).collect();
            assert_eq!(listed, vec![dead.clone()]);
            let page = list(conn, &Filter { after: Some(recent.clone()), ..Filter::default() }, 10).unwrap();
            assert_eq!(page.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec![dead.as_str(), pending.as_str()]);
        });
    }
}
