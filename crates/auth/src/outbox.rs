//! The operator's side of the outbox: seeing messages (dead letters above all) and
//! sending dead letters again. Administrators may do both, auditors may look; the
//! console (`pasar outbox …`, no user) is the operator at the server.
//!
//! A view never shows a message's payload: it may hold a one-time secret.

use crate::error::AuthError;
use crate::model::{Actor, Role};
use chrono::{DateTime, Utc};
use pasar_core::page::{Page, PageRequest};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::outbox::{self, OutboxMessage, Status};
use pasar_db::time::from_db;
use pasar_db::{write_tx, DbConn};
use serde::Serialize;
use serde_json::json;

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for (another) delivery attempt.
    Pending,
    /// Delivered.
    Sent,
    /// Given up on after `outbox.max_attempts` failures, or expired: waits for an operator.
    Dead,
}

impl From<Status> for OutboxStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Pending => OutboxStatus::Pending,
            Status::Sent => OutboxStatus::Sent,
            Status::Dead => OutboxStatus::Dead,
        }
    }
}

impl From<OutboxStatus> for Status {
    fn from(s: OutboxStatus) -> Self {
        match s {
            OutboxStatus::Pending => Status::Pending,
            OutboxStatus::Sent => Status::Sent,
            OutboxStatus::Dead => Status::Dead,
        }
    }
}

/// A message in the outbox, without its content.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxView {
    pub id: String,
    /// `mail` (later also `webhook`, `bank_call`).
    #[schema(example = "mail")]
    pub kind: String,
    /// Where it goes: an email address, a URL.
    pub recipient: String,
    /// What it is: a mail's subject.
    pub subject: String,
    pub status: OutboxStatus,
    /// Failed attempts since it was queued or last retried (plus one while in flight).
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Whether it can be sent again: a dead letter whose content has not expired.
    pub retriable: bool,
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due (pending messages).
    pub next_attempt_at: DateTime<Utc>,
    /// When its content stops being valid (a one-time link in it expires).
    pub expires_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub dead_at: Option<DateTime<Utc>>,
}

impl OutboxView {
    fn from_row(m: OutboxMessage) -> OutboxView {
        let status = m.status().map(OutboxStatus::from).unwrap_or(OutboxStatus::Pending);
        OutboxView {
            retriable: m.retriable(),
            id: m.id,
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            status,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: from_db(m.created_at),
            next_attempt_at: from_db(m.next_attempt_at),
            expires_at: m.expires_at.map(from_db),
            sent_at: m.sent_at.map(from_db),
            dead_at: m.dead_at.map(from_db),
        }
    }
}

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub status: Option<OutboxStatus>,
    pub kind: Option<String>,
}

/// Messages, oldest first (administrators and auditors).
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: OutboxFilter,
    page: &PageRequest,
) -> Result<Page<OutboxView>, AuthError> {
    if !actor.reads_everything() {
        return Err(AuthError::Forbidden("Only administrators and auditors see the outbox."));
    }
    let filter = outbox::Filter {
        status: filter.status.map(Status::from),
        kind: filter.kind,
        newest_first: false,
        after: page.after.clone(),
    };
    let rows = outbox::list(conn, &filter, page.fetch_limit())?;
    Ok(Page::from_rows(rows, page, |m| m.id.clone()).map(OutboxView::from_row))
}

/// Who re-drives or removes a dead letter.
#[derive(Debug, Clone, Copy)]
pub enum Operator<'a> {
    /// An administrator over the API.
    User(&'a Actor),
    /// The operator at the server's console (`pasar outbox …`).
    Console,
}

impl Operator<'_> {
    fn check(&self) -> Result<(), AuthError> {
        match self {
            Operator::User(actor) if !actor.has(Role::Admin) => {
                Err(AuthError::Forbidden("Only administrators retry or remove outbox messages."))
            }
            _ => Ok(()),
        }
    }

    fn actor_id(&self) -> Option<String> {
        match self {
            Operator::User(actor) => Some(actor.user_id.to_string()),
            Operator::Console => None,
        }
    }

    fn request_id(&self) -> Option<&str> {
        match self {
            Operator::User(actor) => actor.request_id.as_deref(),
            Operator::Console => None,
        }
    }

    fn via(&self) -> &'static str {
        match self {
            Operator::User(_) => "api",
            Operator::Console => "console",
        }
    }
}

/// Sends a dead letter again: back to pending, due now, attempts reset; audited.
pub fn retry(conn: &mut DbConn, now: DateTime<Utc>, by: Operator<'_>, id: &str) -> Result<OutboxView, AuthError> {
    by.check()?;
    write_tx(conn, |conn| {
        let before = outbox::find(conn, id)?.ok_or(AuthError::NotFound("outbox message"))?;
        if before.status() != Some(Status::Dead) {
            return Err(AuthError::InvalidState(format!(
                "Only a dead letter can be retried; this message is {}.",
                before.status
            )));
        }
        if !outbox::redrive(conn, id, now)? {
            return Err(AuthError::InvalidState(
                "Its content expired and was removed (a one-time link in it is no longer valid); it cannot be \
                 sent again. Remove it, and let the person ask for a new one."
                    .into(),
            ));
        }
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: by.actor_id().as_deref(),
                action: "outbox.retry",
                entity_type: "outbox",
                entity_id: id,
                before: Some(json!({ "status": "dead", "attempts": before.attempts, "last_error": before.last_error })),
                after: Some(json!({ "status": "pending", "attempts": 0, "via": by.via() })),
                request_id: by.request_id(),
            },
        )?;
        let after = outbox::find(conn, id)?.ok_or(AuthError::NotFound("outbox message"))?;
        Ok(OutboxView::from_row(after))
    })
}

/// Deletes a dead letter for good; audited.
pub fn remove(conn: &mut DbConn, now: DateTime<Utc>, by: Operator<'_>, id: &str) -> Result<(), AuthError> {
    by.check()?;
    write_tx(conn, |conn| {
        let before = outbox::find(conn, id)?.ok_or(AuthError::NotFound("outbox message"))?;
        if !outbox::remove_dead(conn, id)? {
            return Err(AuthError::InvalidState(format!(
                "Only a dead letter can be removed; this message is {}.",
                before.status
            )));
        }
        audit::append(
            conn,
            now,
            AuditEntry {
                actor_id: by.actor_id().as_deref(),
                action: "outbox.remove",
                entity_type: "outbox",
                entity_id: id,
                before: Some(json!({
                    "status": "dead", "kind": before.kind, "recipient": before.recipient,
                    "subject": before.subject, "last_error": before.last_error,
                })),
                after: Some(json!({ "via": by.via() })),
                request_id: by.request_id(),
            },
        )?;
        Ok(())
    })
}
