//! Webhook subscriptions, as administrators manage them: subscribe a URL to events,
//! change or stop it, rotate its secret, send it a test ping. Administrators do all of
//! it; auditors may look (a view never holds the secret); nobody else may do either.
//! Each change is one transaction with its audit entry (`webhook.*`, which are not
//! events themselves). How events are queued and signed: [`pasar_db::webhook`].

use crate::error::AuthError;
use crate::model::{Actor, Role};
use chrono::{DateTime, Utc};
use pasar_core::error::FieldErrors;
use pasar_core::page::{Page, PageRequest};
use pasar_db::audit::{self, AuditEntry};
use pasar_db::time::{from_db, to_db};
use pasar_db::webhook::{self as store, Subscription};
use pasar_db::{write_tx, DbConn};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A subscription as administrators and auditors see it: never its secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubscriptionView {
    pub id: String,
    /// Where events are posted.
    #[schema(example = "https://simda.mojokertokota.go.id/pasar/events")]
    pub url: String,
    pub description: String,
    /// Event types or prefixes (`order.*`, `*`) it receives.
    #[schema(example = json!(["order.*", "payment.reconcile"]))]
    pub events: Vec<String>,
    /// An inactive subscription gets no new events.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub secret_rotated_at: DateTime<Utc>,
    /// The latest delivery attempt: when, the HTTP status answered (none after a
    /// network error), and the error if it was not accepted.
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

impl SubscriptionView {
    fn of(s: &Subscription) -> SubscriptionView {
        SubscriptionView {
            id: s.id.clone(),
            url: s.url.clone(),
            description: s.description.clone(),
            events: s.patterns(),
            active: s.active,
            created_at: from_db(s.created_at),
            updated_at: from_db(s.updated_at),
            secret_rotated_at: from_db(s.secret_rotated_at),
            last_attempt_at: s.last_attempt_at.map(from_db),
            last_status: s.last_status,
            last_error: s.last_error.clone(),
        }
    }
}

/// A subscription with its secret: the answer to creating it or rotating the secret,
/// the only times the secret is shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubscriptionWithSecret {
    #[serde(flatten)]
    pub subscription: SubscriptionView,
    /// The HMAC-SHA256 key of `Pasar-Signature`. Shown now and never again.
    #[schema(example = "whsec_5f0c…")]
    pub secret: String,
}

/// A new subscription.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewSubscription {
    /// `http` or `https`, without user name or password, at most 2000 characters.
    pub url: String,
    /// Event types or prefixes (`order.*`, `payment.*`, `*`); 1 to 50.
    #[schema(min_items = 1, max_items = 50)]
    pub events: Vec<String>,
    /// For the operators: what system this is (at most 200 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// Default `true`.
    #[serde(default)]
    pub active: Option<bool>,
}

/// Changes to a subscription; fields left out stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SubscriptionChanges {
    pub url: Option<String>,
    /// Event types or prefixes; 1 to 50.
    #[schema(min_items = 1, max_items = 50)]
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    /// `false` stops new events (messages already queued fail as "inactive" and can be
    /// retried once it is active again); `true` starts them again.
    pub active: Option<bool>,
}

/// A test event queued for one subscription.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PingView {
    /// The outbox message that carries it (also sent as `Pasar-Delivery`).
    pub delivery_id: String,
    /// The event's id, as in its body.
    pub event_id: String,
}

/// An event type a subscription can ask for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventTypeView {
    #[serde(rename = "type")]
    #[schema(example = "order.pay")]
    pub event_type: &'static str,
    pub description: &'static str,
}

/// Every event type.
pub fn event_types() -> Vec<EventTypeView> {
    store::EVENT_TYPES.iter().map(|(t, d)| EventTypeView { event_type: t, description: d }).collect()
}

fn may_manage(actor: &Actor) -> Result<(), AuthError> {
    if actor.has(Role::Admin) {
        Ok(())
    } else {
        Err(AuthError::Forbidden("Only administrators manage webhook subscriptions."))
    }
}

fn may_read(actor: &Actor) -> Result<(), AuthError> {
    if actor.reads_everything() {
        Ok(())
    } else {
        Err(AuthError::Forbidden("Only administrators and auditors see webhook subscriptions."))
    }
}

/// Checks a subscription's URL: absolute `http`/`https` with a host, no credentials.
pub fn check_url(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > 2_000 {
        return Err("must be 1 to 2000 characters".into());
    }
    let url = url::Url::parse(raw).map_err(|_| "must be an absolute http or https URL".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must start with http:// or https://".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold a user name or password; events are signed instead".into());
    }
    if url.fragment().is_some() {
        return Err("must not have a #fragment".into());
    }
    Ok(url.to_string())
}

fn check_events(events: &[String], errors: &mut FieldErrors) -> Vec<String> {
    if events.is_empty() || events.len() > 50 {
        errors.add("events", "must name 1 to 50 event types or prefixes (order.*, payment.*, *)");
    }
    let mut out: Vec<String> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let e = e.trim();
        if !store::valid_pattern(e) {
            errors.add(
                format!("events[{i}]"),
                "must be an event type (order.pay, …), a prefix ending in .* (order.*), or *",
            );
        } else if !out.iter().any(|o| o == e) {
            out.push(e.to_owned());
        }
    }
    out
}

fn check_description(d: Option<&str>, errors: &mut FieldErrors) -> String {
    let d = d.unwrap_or_default().trim();
    if d.chars().count() > 200 {
        errors.add("description", "must be at most 200 characters");
    }
    d.to_owned()
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

fn finish(errors: FieldErrors) -> Result<(), AuthError> {
    errors.finish().map_err(AuthError::Validation)
}

/// What an audit entry says of a subscription (never the secret).
fn audited(s: &Subscription) -> serde_json::Value {
    json!({ "url": s.url, "events": s.patterns(), "description": s.description, "active": s.active })
}

fn entry<'a>(actor: &'a Actor, actor_id: &'a str, action: &'a str, id: &'a str) -> AuditEntry<'a> {
    AuditEntry {
        actor_id: Some(actor_id),
        action,
        entity_type: "webhook_subscription",
        entity_id: id,
        before: None,
        after: None,
        request_id: actor.request_id.as_deref(),
    }
}

/// Subscribes a URL to events (administrators). The answer holds the secret, once.
pub fn create(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    input: NewSubscription,
) -> Result<SubscriptionWithSecret, AuthError> {
    may_manage(actor)?;
    let mut errors = FieldErrors::new();
    let url = errors.check("url", check_url(&input.url));
    let events = check_events(&input.events, &mut errors);
    let description = check_description(input.description.as_deref(), &mut errors);
    finish(errors)?;
    let url = url.unwrap_or_default();
    let actor_id = actor.user_id.to_string();
    let sub = Subscription {
        id: uuid::Uuid::now_v7().to_string(),
        url,
        description,
        events: serde_json::to_string(&events).unwrap_or_else(|_| "[]".into()),
        secret: new_secret(),
        active: input.active.unwrap_or(true),
        created_by: Some(actor_id.clone()),
        created_at: to_db(now),
        updated_at: to_db(now),
        secret_rotated_at: to_db(now),
        last_attempt_at: None,
        last_status: None,
        last_error: None,
    };
    write_tx(conn, |conn| {
        store::insert(conn, &sub)?;
        audit::append(
            conn,
            now,
            AuditEntry { after: Some(audited(&sub)), ..entry(actor, &actor_id, "webhook.create", &sub.id) },
        )?;
        Ok::<_, AuthError>(())
    })?;
    Ok(SubscriptionWithSecret { subscription: SubscriptionView::of(&sub), secret: sub.secret })
}

/// Subscriptions, oldest first (administrators and auditors).
pub fn list(conn: &mut DbConn, actor: &Actor, page: &PageRequest) -> Result<Page<SubscriptionView>, AuthError> {
    may_read(actor)?;
    let rows = store::list(conn, page.after.as_deref(), page.fetch_limit())?;
    Ok(Page::from_rows(rows, page, |s| s.id.clone()).map(|s| SubscriptionView::of(&s)))
}

/// One subscription (administrators and auditors).
pub fn get(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<SubscriptionView, AuthError> {
    may_read(actor)?;
    let sub = store::find(conn, id)?.ok_or(AuthError::NotFound("webhook subscription"))?;
    Ok(SubscriptionView::of(&sub))
}

/// Changes a subscription's URL, events, description or whether it is active.
pub fn update(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
    changes: SubscriptionChanges,
) -> Result<SubscriptionView, AuthError> {
    may_manage(actor)?;
    let mut errors = FieldErrors::new();
    let url = changes.url.as_deref().and_then(|u| errors.check("url", check_url(u)));
    let events = changes.events.as_deref().map(|e| check_events(e, &mut errors));
    let description = changes.description.as_deref().map(|d| check_description(Some(d), &mut errors));
    finish(errors)?;
    let actor_id = actor.user_id.to_string();
    write_tx(conn, |conn| {
        let mut sub = store::lock(conn, id)?.ok_or(AuthError::NotFound("webhook subscription"))?;
        let before = audited(&sub);
        if let Some(url) = url {
            if url != sub.url {
                store::readdress_pending(conn, &sub.id, &url)?;
            }
            sub.url = url;
        }
        if let Some(events) = events {
            sub.events = serde_json::to_string(&events).unwrap_or_else(|_| "[]".into());
        }
        if let Some(d) = description {
            sub.description = d;
        }
        if let Some(active) = changes.active {
            sub.active = active;
        }
        sub.updated_at = to_db(now);
        store::save(conn, &sub)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                before: Some(before),
                after: Some(audited(&sub)),
                ..entry(actor, &actor_id, "webhook.update", &sub.id)
            },
        )?;
        Ok(SubscriptionView::of(&sub))
    })
}

/// Deletes a subscription. Messages already queued for it are not delivered: they turn
/// into dead letters saying the subscription is gone.
pub fn delete(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, id: &str) -> Result<(), AuthError> {
    may_manage(actor)?;
    let actor_id = actor.user_id.to_string();
    write_tx(conn, |conn| {
        let sub = store::lock(conn, id)?.ok_or(AuthError::NotFound("webhook subscription"))?;
        store::delete(conn, id)?;
        audit::append(
            conn,
            now,
            AuditEntry { before: Some(audited(&sub)), ..entry(actor, &actor_id, "webhook.delete", id) },
        )?;
        Ok(())
    })
}

/// Gives a subscription a new secret, effective for the next delivery attempt; the old
/// one stops working at once. The answer holds the new secret, once.
pub fn rotate_secret(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<SubscriptionWithSecret, AuthError> {
    may_manage(actor)?;
    let actor_id = actor.user_id.to_string();
    write_tx(conn, |conn| {
        let mut sub = store::lock(conn, id)?.ok_or(AuthError::NotFound("webhook subscription"))?;
        sub.secret = new_secret();
        sub.secret_rotated_at = to_db(now);
        sub.updated_at = to_db(now);
        store::save(conn, &sub)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                after: Some(json!({ "secret_rotated_at": now.to_rfc3339() })),
                ..entry(actor, &actor_id, "webhook.rotate_secret", id)
            },
        )?;
        Ok(SubscriptionWithSecret { subscription: SubscriptionView::of(&sub), secret: sub.secret.clone() })
    })
}

/// Queues a `webhook.ping` event for one subscription, delivered (and retried) like any
/// other event.
pub fn ping(conn: &mut DbConn, now: DateTime<Utc>, actor: &Actor, id: &str) -> Result<PingView, AuthError> {
    may_manage(actor)?;
    let actor_id = actor.user_id.to_string();
    write_tx(conn, |conn| {
        let sub = store::find(conn, id)?.ok_or(AuthError::NotFound("webhook subscription"))?;
        let (delivery_id, envelope) = store::ping(conn, now, &sub)?;
        audit::append(
            conn,
            now,
            AuditEntry {
                after: Some(json!({ "delivery_id": delivery_id, "event_id": envelope.id })),
                ..entry(actor, &actor_id, "webhook.ping", id)
            },
        )?;
        Ok(PingView { delivery_id, event_id: envelope.id })
    })
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn a_url_is_http_or_https_with_a_host_and_no_credentials() {
        for ok in ["https://simda.go.id/hook", "http://127.0.0.1:8080/x?y=1", "https://h.test"] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ftp://h.test/x",
            "/relative",
            "https://user:pw@h.test/x",
            "https://user@h.test/x",
            "https://h.test/x#frag",
            "javascript:alert(1)",
            "mailto:a@b.test",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
