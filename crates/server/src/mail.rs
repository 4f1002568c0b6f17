//! Delivering the outbox: a background thread claims due messages, sends them through
//! SMTP (when `mail.smtp_url` is set) or writes them as `.eml` files, and records each
//! outcome. A failure is retried with back-off; nothing is dropped.

use crate::worker::Worker;
use chrono::TimeDelta;
use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{SmtpTransport, Transport as _};
use pasar_core::clock::SharedClock;
use pasar_db::outbox::{self, OutboxMessage};
use pasar_db::{write_tx, DbError, DbPool};
use std::path::PathBuf;
use std::time::Duration;

/// Where mail goes.
pub enum Transport {
    Smtp(Box<SmtpTransport>),
    /// `.eml` files in this folder, one per message, named by the outbox id.
    Files(PathBuf),
}

impl Transport {
    pub fn from_config(smtp_url: &str, outbox_dir: PathBuf) -> Result<Transport, String> {
        if smtp_url.is_empty() {
            Ok(Transport::Files(outbox_dir))
        } else {
            let t = SmtpTransport::from_url(smtp_url)
                .map_err(|e| e.to_string())?
                .timeout(Some(Duration::from_secs(20)))
                .build();
            Ok(Transport::Smtp(Box::new(t)))
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP (mail.smtp_url)".into(),
            Transport::Files(dir) => format!(".eml files in {} (set mail.smtp_url to send)", dir.display()),
        }
    }

    fn send(&self, from: &Mailbox, msg: &OutboxMessage) -> Result<(), String> {
        let to: Mailbox = msg.recipient.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let email = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(msg.subject.clone())
            .message_id(Some(format!("<{}@pasar>", msg.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(msg.body.clone())
            .map_err(|e| e.to_string())?;
        match self {
            Transport::Smtp(smtp) => smtp.send(&email).map(drop).map_err(|e| e.to_string()),
            Transport::Files(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let tmp = dir.join(format!(".{}.eml.tmp", msg.id));
                std::fs::write(&tmp, email.formatted()).map_err(|e| format!("{}: {e}", tmp.display()))?;
                std::fs::rename(&tmp, dir.join(format!("{}.eml", msg.id))).map_err(|e| e.to_string())
            }
        }
    }
}

/// Starts the mail worker: delivers the outbox, and between rounds does the periodic
/// chores (housekeeping, document expiry reminders).
pub fn start(
    pool: DbPool,
    clock: SharedClock,
    transport: Transport,
    from: Mailbox,
    poll: Duration,
    chores: Chores,
) -> Worker {
    let mut last_housekeeping: Option<std::time::Instant> = None;
    let mut last_reminders: Option<std::time::Instant> = None;
    Worker::spawn("pasar-mail", poll, move || {
        if last_housekeeping.is_none_or(|t| t.elapsed() >= HOUSEKEEPING_EVERY) {
            last_housekeeping = Some(std::time::Instant::now());
            if let Err(e) = housekeeping(&pool, &clock) {
                tracing::warn!(error = %e, "housekeeping failed");
            }
        }
        if last_reminders.is_none_or(|t| t.elapsed() >= chores.reminder_interval) {
            last_reminders = Some(std::time::Instant::now());
            if let Err(e) = reminders(&pool, &clock, &chores) {
                tracing::warn!(error = %e, "expiry reminders failed");
            }
        }
        match deliver_due(&pool, &clock, &transport, &from) {
            Ok(sent) => sent > 0,
            Err(e) => {
                tracing::warn!(error = %e, "mail worker could not read the outbox");
                false
            }
        }
    })
}

const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);

/// Periodic work besides mail.
pub struct Chores {
    pub vendors: std::sync::Arc<pasar_vendor_onboarding::service::VendorSettings>,
    pub reminder_interval: Duration,
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

/// Periodic clean-up: forgets login-throttle counters that no longer matter and
/// idempotency keys that have expired.
fn housekeeping(pool: &DbPool, clock: &SharedClock) -> Result<(), DbError> {
    let mut conn = pool.get()?;
    let now = clock.now();
    let purged = pasar_auth::store::purge_throttle(&mut conn, now - TimeDelta::days(1), now)?;
    if purged > 0 {
        tracing::info!(purged, "forgot old login-throttle counters");
    }
    let purged = pasar_db::write_tx(&mut conn, |c| pasar_db::idempotency::purge_expired(c, now))?;
    if purged > 0 {
        tracing::info!(purged, "forgot expired idempotency keys");
    }
    Ok(())
}

/// Claims and delivers one batch; returns how many messages were attempted.
pub fn deliver_due(
    pool: &DbPool,
    clock: &SharedClock,
    transport: &Transport,
    from: &Mailbox,
) -> Result<usize, DbError> {
    let mut conn = pool.get()?;
    let now = clock.now();
    // A small batch under a long lease: even if every send hits the SMTP timeout (20 s
    // per command), the batch finishes before another instance may claim it again.
    let batch = write_tx(&mut conn, |c| outbox::claim_due(c, now, TimeDelta::minutes(10), 5).map_err(DbError::from))?;
    for msg in &batch {
        let result = transport.send(from, msg);
        let now = clock.now();
        write_tx(&mut conn, |c| match &result {
            Ok(()) => outbox::mark_sent(c, &msg.id, now).map_err(DbError::from),
            Err(e) => outbox::mark_failed(c, &msg.id, now, msg.attempts, e).map_err(DbError::from),
        })?;
        match result {
            Ok(()) => tracing::info!(outbox_id = %msg.id, "mail delivered"),
            Err(e) => {
                tracing::warn!(outbox_id = %msg.id, attempts = msg.attempts, error = %e, "mail delivery failed; will retry")
            }
        }
    }
    Ok(batch.len())
}
