//! The webhook deliverer: posts each queued event to its subscription's URL, signed with
//! the subscription's current secret at the moment of the attempt.
//!
//! A 2xx answer is a delivery; any other status, a redirect, a timeout or a network
//! error is a failure that the outbox retries with back-off and, after
//! `outbox.max_attempts`, turns into a dead letter (shown with its URL and last error on
//! `/admin/outbox`, where an administrator can send it again). Each attempt's outcome is
//! also noted on the subscription. Headers and signature: `docs/WEBHOOKS.md`.
//!
//! The HTTP client is reqwest on rustls, which the binary already carries for the search
//! engine and the file store, so `https://` URLs work without another TLS stack.

use crate::outbox::Deliverer;
use pasar_core::clock::SharedClock;
use pasar_db::outbox::OutboxMessage;
use pasar_db::webhook::{self, Payload, KIND_WEBHOOK};
use pasar_db::DbPool;
use std::time::Duration;

/// How long one attempt may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub struct WebhookDeliverer {
    pool: DbPool,
    clock: SharedClock,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl WebhookDeliverer {
    pub fn new(pool: DbPool, clock: SharedClock) -> anyhow::Result<WebhookDeliverer> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Pasar-Webhook/", env!("CARGO_PKG_VERSION")))
            .build()?;
        // The worker is a plain thread: one small runtime of its own drives the client.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(WebhookDeliverer { pool, clock, client, runtime })
    }

    fn record(&self, subscription_id: &str, status: Option<u16>, error: Option<&str>) {
        let now = self.clock.now();
        let done = self.pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
            webhook::record_attempt(&mut c, subscription_id, now, status, error).map_err(|e| e.to_string())
        });
        if let Err(e) = done {
            tracing::warn!(subscription_id, error = %e, "could not note a webhook attempt on its subscription");
        }
    }

    /// One attempt: `Ok(status)` for an answer, `Err` for no answer.
    fn post(&self, url: &str, headers: Vec<(&'static str, String)>, body: String) -> Result<(u16, String), String> {
        self.runtime.block_on(async {
            let mut req = self.client.post(url).header("content-type", "application/json");
            for (name, value) in headers {
                req = req.header(name, value);
            }
            let resp = req.body(body).send().await.map_err(|e| describe(&e))?;
            let status = resp.status();
            let text = if status.is_success() {
                String::new()
            } else {
                let text = resp.text().await.unwrap_or_default();
                text.chars().take(200).collect()
            };
            Ok((status.as_u16(), text))
        })
    }
}

/// An error with its causes, which say what actually went wrong (refused, timed out, …).
fn describe(e: &reqwest::Error) -> String {
    let mut out = if e.is_timeout() { format!("timed out after {} s: {e}", TIMEOUT.as_secs()) } else { e.to_string() };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

impl Deliverer for WebhookDeliverer {
    fn kind(&self) -> &'static str {
        KIND_WEBHOOK
    }

    fn deliver(&self, msg: &OutboxMessage, payload: serde_json::Value) -> Result<(), String> {
        let payload: Payload = serde_json::from_value(payload).map_err(|e| format!("bad webhook payload: {e}"))?;
        let sub = {
            let mut conn = self.pool.get().map_err(|e| e.to_string())?;
            webhook::find(&mut conn, &payload.subscription_id).map_err(|e| e.to_string())?
        };
        let Some(sub) = sub else {
            return Err("the webhook subscription was deleted".into());
        };
        if !sub.active {
            let error = "the webhook subscription is inactive; activate it and retry this message";
            self.record(&sub.id, None, Some(error));
            return Err(error.into());
        }
        let t = self.clock.now().timestamp();
        let headers = vec![
            ("pasar-event", payload.event_type.clone()),
            ("pasar-event-id", payload.event_id.clone()),
            ("pasar-delivery", msg.id.clone()),
            ("pasar-signature", webhook::signature_header(&sub.secret, t, payload.body.as_bytes())),
        ];
        match self.post(&sub.url, headers, payload.body) {
            Ok((status, _)) if (200..300).contains(&status) => {
                self.record(&sub.id, Some(status), None);
                Ok(())
            }
            Ok((status, text)) => {
                let reason = reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason());
                let mut error = format!("HTTP {status}{}", reason.map(|r| format!(" {r}")).unwrap_or_default());
                if !text.trim().is_empty() {
                    error.push_str(": ");
                    error.push_str(text.trim());
                }
                self.record(&sub.id, Some(status), Some(&error));
                Err(error)
            }
            Err(error) => {
                self.record(&sub.id, None, Some(&error));
                Err(error)
            }
        }
    }
}
