//! `Idempotency-Key` for writes that must happen once.
//!
//! A handler takes its body as [`Idempotent<T>`] instead of `ApiJson<T>`: that reads and
//! checks the optional header, parses the body as `ApiJson` does, and fingerprints the
//! request (method, path and query, and the body in canonical JSON). The handler then
//! hands its work to [`Idempotency::run`], as a closure over a database connection that
//! returns the answer ([`Reply`]):
//!
//! - no key: the work simply runs;
//! - a new key: the key is claimed, the work runs, and its answer is stored in the
//!   work's own transaction — committed together or not at all;
//! - the same key and request again: the stored answer, with `Idempotency-Replayed: true`;
//! - the same key with another request: `422 idempotency_key_reused`;
//! - while the first request with that key is still running:
//!   `409 idempotency_key_in_progress` with `Retry-After`;
//! - an error (4xx or 5xx) is never stored: nothing was committed, so the key is given
//!   up and may be sent again, with the same body or a corrected one.
//!
//! Keys belong to the authenticated user; they expire after `server.idempotency_key_hours`.
//! Where a key must be sent (orders, payments), call [`Idempotency::required`].

use crate::extract::json_body;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use pasar_auth::Actor;
use pasar_core::Code;
use pasar_db::idempotency::{self as store, Claim, Lifetimes};
use pasar_db::{write_tx, DbConn, DbError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The request header.
pub const HEADER: &str = "Idempotency-Key";
/// Set on an answer that was stored and is being sent again.
pub const REPLAYED: &str = "idempotency-replayed";
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;
/// How long a claim holds before a retry may take it over (the first request died).
/// Exactly-once does not depend on it: a slow first request that lost its claim cannot
/// store its answer, and its work is rolled back.
pub const LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// Headers of the first answer that a replay repeats.
const KEPT_HEADERS: [HeaderName; 2] = [header::CONTENT_TYPE, header::LOCATION];

/// An answer, as the work builds it and as it is stored for replays.
pub type Reply = store::StoredReply;

/// An answer with a JSON body.
pub fn json_reply(status: StatusCode, body: &impl Serialize) -> Result<Reply, ApiError> {
    let body = serde_json::to_vec(body).map_err(|e| ApiError::internal(format!("serialising a reply: {e}")))?;
    Ok(Reply { status: status.as_u16(), headers: vec![("content-type".into(), "application/json".into())], body })
}

/// Adds a header to an answer (e.g. `Location`).
pub fn with_header(mut reply: Reply, name: HeaderName, value: impl Into<String>) -> Reply {
    reply.headers.push((name.as_str().to_owned(), value.into()));
    reply
}

/// Checks a key: 1 to 255 characters, letters, digits and `-_.:~+/=` (UUIDs, ULIDs and
/// base64 all fit).
pub fn parse_key(raw: &[u8]) -> Result<String, &'static str> {
    if raw.is_empty() {
        return Err("must not be empty");
    }
    if raw.len() > MAX_KEY_LEN {
        return Err("must be at most 255 characters");
    }
    if !raw.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.:~+/=".contains(b)) {
        return Err("may hold only letters, digits and - _ . : ~ + / =");
    }
    // Checked above: ASCII only.
    Ok(String::from_utf8_lossy(raw).into_owned())
}

fn bad_key(message: &str) -> ApiError {
    ApiError::new(Code::InvalidHeader, format!("The {HEADER} header {message}.")).with_field(HEADER, message)
}

/// The `Idempotency-Key` of a request, if it has one; a malformed one is a 400.
pub fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let mut values = req.headers().get_all(HEADER);
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(bad_key("must be sent once"));
    }
    parse_key(first.as_bytes()).map(Some).map_err(bad_key)
}

/// JSON with its object keys sorted, so that the same body always hashes alike.
fn canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// SHA-256 over the method, the path with its query, and the canonical body.
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut text = String::new();
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => canonical(&v, &mut text),
        Err(_) => text.push_str(&String::from_utf8_lossy(body)),
    }
    let mut h = Sha256::new();
    for part in [method.as_bytes(), path_and_query.as_bytes(), text.as_bytes()] {
        h.update(part.len().to_string().as_bytes());
        h.update(b":");
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// The key (if sent) and the fingerprint of one request.
pub struct Idempotency {
    key: Option<String>,
    fingerprint: String,
}

/// A JSON body (as [`crate::extract::ApiJson`]) of a request that may carry an
/// `Idempotency-Key`.
pub struct Idempotent<T> {
    pub idempotency: Idempotency,
    pub body: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for Idempotent<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let key = key_of(req);
        let method = req.method().to_string();
        let path = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
        let body = json_body::<T>(req, payload);
        Box::pin(async move {
            let key = key?;
            let (body, raw) = body.await?;
            let fingerprint = fingerprint(&method, &path, &raw);
            Ok(Idempotent { idempotency: Idempotency { key, fingerprint }, body })
        })
    }
}

/// Why the work's transaction ended without an answer.
enum Failed {
    Refused(ApiError),
    Db(diesel::result::Error),
    /// The claim was taken over while the work ran.
    Lost,
}

impl From<diesel::result::Error> for Failed {
    fn from(e: diesel::result::Error) -> Self {
        Failed::Db(e)
    }
}

fn in_progress() -> ApiError {
    let mut e = ApiError::new(
        Code::IdempotencyKeyInProgress,
        format!("A request with this {HEADER} is still being served; retry shortly to get its answer."),
    )
    .with_field(HEADER, "is in use by a request still being served");
    e.retry_after = Some(1);
    e
}

fn respond(reply: Reply, replayed: bool) -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK));
    for (name, value) in &reply.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) {
            if KEPT_HEADERS.contains(&n) {
                res.insert_header((n, v));
            }
        }
    }
    if replayed {
        res.insert_header((HeaderName::from_static(REPLAYED), HeaderValue::from_static("true")));
    }
    res.body(reply.body)
}

impl Idempotency {
    /// Refuses a request without a key (for writes where a repeat would cost money).
    pub fn required(self) -> Result<Self, ApiError> {
        match self.key {
            Some(_) => Ok(self),
            None => Err(ApiError::new(
                Code::InvalidHeader,
                format!("Send an {HEADER} header (a UUID is fine) so that a retry cannot do this twice."),
            )
            .with_field(HEADER, "is required")),
        }
    }

    /// Whether the request carries a key.
    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }

    /// Runs `work` at most once per key: see the module documentation.
    pub async fn run<F>(self, state: &AppState, actor: &Actor, work: F) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<Reply, ApiError> + Send + 'static,
    {
        let Some(key) = self.key else {
            let reply = state.run(move |conn| Ok::<_, DbError>(work(conn))).await??;
            return Ok(respond(reply, false));
        };
        let actor_id = actor.user_id.to_string();
        let life = Lifetimes { ttl: state.idempotency_ttl, lease: LEASE };
        let now = state.now();
        let (a, k, hash) = (actor_id.clone(), key.clone(), self.fingerprint);
        let claim = state
            .run(move |conn| write_tx(conn, |c| store::claim(c, now, &a, &k, &hash, life)).map_err(DbError::from))
            .await?;
        let token = match claim {
            Claim::Acquired { token } => token,
            Claim::Replay(reply) => return Ok(respond(reply, true)),
            Claim::InProgress => return Err(in_progress()),
            Claim::Mismatch => {
                return Err(ApiError::new(
                    Code::IdempotencyKeyReused,
                    format!("This {HEADER} was used for a different request; use a new key for a new request."),
                )
                .with_field(HEADER, "was used for a different request"))
            }
        };
        let (a, k, t) = (actor_id.clone(), key.clone(), token.clone());
        let outcome = state
            .run(move |conn| {
                let done = write_tx(conn, |c| {
                    let reply = work(c).map_err(Failed::Refused)?;
                    if !store::complete(c, &a, &k, &t, &reply)? {
                        return Err(Failed::Lost);
                    }
                    Ok(reply)
                });
                Ok::<_, DbError>(match done {
                    Ok(reply) => Ok(reply),
                    Err(Failed::Refused(e)) => Err(e),
                    Err(Failed::Db(e)) => Err(ApiError::from(DbError::from(e))),
                    Err(Failed::Lost) => Err(in_progress()),
                })
            })
            .await
            .and_then(|r| r);
        match outcome {
            Ok(reply) => Ok(respond(reply, false)),
            Err(e) => {
                // Nothing was committed: free the key for a retry. Should this fail, the
                // claim's lease frees it a minute later.
                let released = state
                    .run(move |conn| {
                        write_tx(conn, |c| store::release(c, &actor_id, &key, &token)).map_err(DbError::from)
                    })
                    .await;
                if let Err(r) = released {
                    tracing::warn!(error = %r, "could not release an idempotency key after a failed request");
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        assert_eq!(parse_key(b"0193a000-0000-7000-8000-000000000002").unwrap().len(), 36);
        assert!(parse_key(b"a+b/c=").is_ok());
        assert!(parse_key(b"").is_err());
        assert!(parse_key(&[b'a'; 256]).is_err());
        assert!(parse_key(b"has space").is_err());
        assert!(parse_key("kunci-\u{e9}".as_bytes()).is_err());
    }

    #[test]
    fn the_fingerprint_ignores_key_order_and_spacing_but_not_values() {
        let a = fingerprint("POST", "/api/v1/products", br#"{"a":1,"b":{"y":2,"x":[1,2]}}"#);
        let b = fingerprint("POST", "/api/v1/products", br#"{ "b": {"x": [1, 2], "y": 2}, "a": 1 }"#);
        assert_eq!(a, b);
        assert_ne!(a, fingerprint("POST", "/api/v1/products", br#"{"a":2,"b":{"y":2,"x":[1,2]}}"#));
        assert_ne!(a, fingerprint("POST", "/api/v1/categories", br#"{"a":1,"b":{"y":2,"x":[1,2]}}"#));
    }
}
