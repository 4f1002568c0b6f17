//! The outbox worker: a background thread that claims due messages, hands each to the
//! deliverer of its kind, and records the outcome — delivered (its payload removed),
//! retried after back-off, or, after `outbox.max_attempts`, a dead letter. Between
//! rounds it does the periodic chores: housekeeping, document expiry reminders, and
//! once a day the outbox's own retention.
//!
//! A new kind of message (a webhook, a bank call) is one more [`Deliverer`] registered
//! in [`Deliverers`]; the worker claims only the kinds it has a deliverer for, so a
//! message of an unknown kind waits (flagged in its `last_error` and in the log) instead
//! of being dropped or burning its attempts.

use crate::worker::Worker;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use pasar_core::clock::{local_date, SharedClock};
use pasar_db::outbox::{self, OutboxMessage, Status};
use pasar_db::{write_tx, DbError, DbPool};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Delivers the messages of one kind.
pub trait Deliverer: Send {
    /// The `kind` of the messages it takes.
    fn kind(&self) -> &'static str;

    /// Delivers one message: `Ok` once the other side has accepted it. An error is
    /// recorded as the message's `last_error` (so it must not contain secrets) and the
    /// delivery is retried.
    fn deliver(&self, msg: &OutboxMessage, payload: serde_json::Value) -> Result<(), String>;
}

/// The deliverers this instance has, one per kind.
#[derive(Default)]
pub struct Deliverers {
    by_kind: BTreeMap<&'static str, Box<dyn Deliverer>>,
}

impl Deliverers {
    /// Adds the deliverer of a kind. Two for one kind is a programming error.
    pub fn with(mut self, deliverer: impl Deliverer + 'static) -> Deliverers {
        let kind = deliverer.kind();
        let previous = self.by_kind.insert(kind, Box::new(deliverer));
        assert!(previous.is_none(), "two deliverers for the outbox kind '{kind}'");
        self
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        self.by_kind.keys().copied().collect()
    }

    fn get(&self, kind: &str) -> Option<&dyn Deliverer> {
        self.by_kind.get(kind).map(|d| d.as_ref())
    }
}

/// How the worker treats the outbox.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_attempts: i32,
    pub retention: TimeDelta,
    pub poll: Duration,
}

/// Periodic work besides delivery.
pub struct Chores {
    pub vendors: std::sync::Arc<pasar_vendor_onboarding::service::VendorSettings>,
    pub reminder_interval: Duration,
}

const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);
/// How often orders past their deadline are looked for (an indexed lookup).
const DEADLINES_EVERY: Duration = Duration::from_secs(1);

/// Starts the outbox worker.
pub fn start(pool: DbPool, clock: SharedClock, deliverers: Deliverers, settings: Settings, chores: Chores) -> Worker {
    let mut last_housekeeping: Option<Instant> = None;
    let mut last_reminders: Option<Instant> = None;
    let mut cleaned: Option<NaiveDate> = None;
    let mut last_deadlines: Option<Instant> = None;
    let poll = settings.poll;
    Worker::spawn("pasar-outbox", poll, move || {
        if last_housekeeping.is_none_or(|t| t.elapsed() >= HOUSEKEEPING_EVERY) {
            last_housekeeping = Some(Instant::now());
            if let Err(e) = housekeeping(&pool, &clock, &deliverers) {
                tracing::warn!(error = %e, "housekeeping failed");
            }
        }
        if last_reminders.is_none_or(|t| t.elapsed() >= chores.reminder_interval) {
            last_reminders = Some(Instant::now());
            if let Err(e) = reminders(&pool, &clock, &chores) {
                tracing::warn!(error = %e, "expiry reminders failed");
            }
        }
        if last_deadlines.is_none_or(|t| t.elapsed() >= DEADLINES_EVERY) {
            last_deadlines = Some(Instant::now());
            if let Err(e) = deadlines(&pool, &clock) {
                tracing::warn!(error = %e, "order deadlines failed; will retry");
            }
        }
        let zone = chores.vendors.time_zone;
        let today = local_date(clock.now(), zone);
        if cleaned != Some(today) {
            match daily_cleanup(&pool, clock.now(), zone, settings.retention) {
                Ok(_) => cleaned = Some(today),
                Err(e) => tracing::warn!(error = %e, "outbox retention failed; will retry"),
            }
        }
        match deliver_due(&pool, &clock, &deliverers, settings.max_attempts) {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!(error = %e, "outbox worker could not read the outbox");
                false
            }
        }
    })
}

/// Cancels the orders whose PPK or vendor let the deadline pass.
fn deadlines(pool: &DbPool, clock: &SharedClock) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let n = pasar_order::flow::expire_overdue(&mut conn, clock.now()).map_err(|e| e.to_string())?;
    if n > 0 {
        tracing::info!(orders = n, "cancelled orders past their deadline");
    }
    Ok(())
}

/// Queues the mails about legal documents that expire within 30 and 7 days.
fn reminders(pool: &DbPool, clock: &SharedClock, chores: &Chores) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let n = pasar_vendor_onboarding::documents::send_expiry_reminders(&mut conn, &chores.vendors, clock.now())
        .map_err(|e| e.to_string())?;
    if n > 0 {
        tracing::info!(reminders = n, "queued document expiry reminders");
    }
    Ok(())
}

/// Periodic clean-up: forgets login-throttle counters that no longer matter, and says
/// which messages wait for a deliverer this version lacks.
fn housekeeping(pool: &DbPool, clock: &SharedClock, deliverers: &Deliverers) -> Result<(), DbError> {
    let mut conn = pool.get()?;
    let now = clock.now();
    let purged = pasar_auth::service::purge_throttle(&mut conn, now - TimeDelta::days(1), now)?;
    if purged > 0 {
        tracing::info!(purged, "forgot old login-throttle counters");
    }
    let purged = write_tx(&mut conn, |c| pasar_db::idempotency::purge_expired(c, now))?;
    if purged > 0 {
        tracing::info!(purged, "forgot expired idempotency keys");
    }
    match pasar_payment_virtual_account::service::purge_external_ids(&mut conn, now) {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "forgot old X-EXTERNAL-IDs of bank calls"),
        Err(e) => tracing::warn!(error = %e, "could not forget old X-EXTERNAL-IDs"),
    }
    let note =
        format!("no deliverer for this kind in pasar {}; waiting for one that has it", env!("CARGO_PKG_VERSION"));
    let unknown = write_tx(&mut conn, |c| outbox::flag_unknown_kinds(c, &deliverers.kinds(), &note))?;
    for (kind, messages) in unknown {
        tracing::warn!(kind = %kind, messages, "outbox messages of a kind this version cannot deliver are waiting");
    }
    Ok(())
}

/// What the daily outbox chore did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cleanup {
    /// Delivered messages deleted after the retention period.
    pub purged: usize,
    /// Dead letters whose payload was removed because it expired.
    pub forgotten: usize,
}

/// The name of the daily chore in `chore_runs`.
const RETENTION_CHORE: &str = "outbox_retention";

/// Once a day, whatever the number of instances: deletes the messages delivered more
/// than `retention` ago, and removes the payload of dead letters that have expired.
/// `None` if it had run today already.
pub fn daily_cleanup(
    pool: &DbPool,
    now: DateTime<Utc>,
    zone: pasar_core::Zone,
    retention: TimeDelta,
) -> Result<Option<Cleanup>, DbError> {
    let mut conn = pool.get()?;
    let today = local_date(now, zone);
    let done = write_tx(&mut conn, |c| {
        if pasar_db::chores::claim(c, RETENTION_CHORE, today, now)? == pasar_db::chores::Claim::Taken {
            return Ok::<_, DbError>(None);
        }
        let purged = outbox::purge_sent(c, now - retention)?;
        let forgotten = outbox::forget_expired_dead(c, now)?;
        Ok(Some(Cleanup { purged, forgotten }))
    })?;
    if let Some(c) = done.filter(|c| *c != Cleanup::default()) {
        tracing::info!(purged = c.purged, forgotten = c.forgotten, "outbox retention");
    }
    Ok(done)
}

/// Claims and delivers one batch; returns how many messages were attempted.
pub fn deliver_due(
    pool: &DbPool,
    clock: &SharedClock,
    deliverers: &Deliverers,
    max_attempts: i32,
) -> Result<usize, DbError> {
    let mut conn = pool.get()?;
    let now = clock.now();
    let kinds = deliverers.kinds();
    // A small batch under a long lease: even if every send hits the SMTP timeout (20 s
    // per command), the batch finishes before another instance may claim it again.
    let batch =
        write_tx(&mut conn, |c| outbox::claim_due(c, now, &kinds, TimeDelta::minutes(10), 5).map_err(DbError::from))?;
    for msg in &batch {
        let result = deliver_one(deliverers, msg);
        let now = clock.now();
        let status = write_tx(&mut conn, |c| match &result {
            Ok(()) => outbox::mark_sent(c, &msg.id, now).map(|()| Status::Sent).map_err(DbError::from),
            Err(e) => outbox::mark_failed(c, &msg.id, now, msg.attempts, max_attempts, e).map_err(DbError::from),
        })?;
        let (id, kind, attempts) = (&msg.id, &msg.kind, msg.attempts);
        match (status, result) {
            (Status::Sent, _) => tracing::info!(outbox_id = %id, kind = %kind, "outbox message delivered"),
            (Status::Dead, Err(e)) => tracing::error!(
                outbox_id = %id, kind = %kind, attempts, error = %e,
                "outbox message failed its last attempt; it is a dead letter now (pasar outbox list --status dead)"
            ),
            (_, Err(e)) => {
                tracing::warn!(outbox_id = %id, kind = %kind, attempts, error = %e, "outbox delivery failed; will retry")
            }
            (_, Ok(())) => {}
        }
    }
    Ok(batch.len())
}

fn deliver_one(deliverers: &Deliverers, msg: &OutboxMessage) -> Result<(), String> {
    // Claimed only for kinds it has, so this is a deliverer removed since the claim.
    let deliverer = deliverers.get(&msg.kind).ok_or_else(|| format!("no deliverer for the kind '{}'", msg.kind))?;
    let raw = msg.payload_json.as_deref().ok_or("the message has no payload")?;
    let payload = serde_json::from_str(raw).map_err(|e| format!("the payload is not JSON: {e}"))?;
    deliverer.deliver(msg, payload)
}
