//! `Idempotency-Key`: the first answer to a write, kept so that the same request sent
//! again gets that answer instead of doing the work twice.
//!
//! One row per (caller, key). Inserting it is the claim: the primary key lets exactly one
//! request through, whatever the number of instances. The winner does its work and
//! [`complete`]s the row **in the same transaction**, so an answer is stored if and only
//! if the work was committed. A request that fails (any 4xx or 5xx: nothing was
//! committed) [`release`]s the row, so the key can be used again. A claim whose holder
//! died is taken over after its lease; the holder's token then no longer matches, so if
//! it was only slow its `complete` fails and its work is rolled back.

use crate::schema::idempotency_keys as k;
use crate::{per_backend, time, DbConn};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

/// An answer as stored and replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReply {
    pub status: u16,
    /// The headers worth replaying (content type, location), as `(name, value)`.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What a request with a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request holds the key: do the work and [`complete`] in the same transaction.
    Acquired { token: String },
    /// The same request was answered before: this is its answer.
    Replay(StoredReply),
    /// The key was used for a different request (method, path or body).
    Mismatch,
    /// The same request is still being served.
    InProgress,
}

/// How long keys are kept and how long a claim holds without an answer.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// After this the key is forgotten; the same key then starts a new request.
    pub ttl: TimeDelta,
    /// A claim older than this, still without an answer, belongs to a request that died.
    pub lease: TimeDelta,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = k, treat_none_as_null = true)]
struct NewRow<'a> {
    actor_id: &'a str,
    client_key: &'a str,
    request_hash: &'a str,
    token: &'a str,
    response_status: Option<i32>,
    response_headers: Option<String>,
    response_body: Option<Vec<u8>>,
    created_at: NaiveDateTime,
    locked_until: NaiveDateTime,
    expires_at: NaiveDateTime,
}

type Existing = (String, String, Option<i32>, Option<String>, Option<Vec<u8>>, NaiveDateTime, NaiveDateTime);

/// Claims `key` for `actor_id` and the request whose hash is `request_hash`. Call inside a
/// write transaction of its own, committed before the work starts.
pub fn claim(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    actor_id: &str,
    key: &str,
    request_hash: &str,
    life: Lifetimes,
) -> QueryResult<Claim> {
    let token = uuid::Uuid::now_v7().to_string();
    let row = NewRow {
        actor_id,
        client_key: key,
        request_hash,
        token: &token,
        response_status: None,
        response_headers: None,
        response_body: None,
        created_at: time::to_db(now),
        locked_until: time::to_db(now + life.lease),
        expires_at: time::to_db(now + life.ttl),
    };
    let acquired = || Ok(Claim::Acquired { token: token.clone() });
    let this = k::table.filter(k::actor_id.eq(actor_id)).filter(k::client_key.eq(key));
    // A row released between our insert and our read is simply claimed again.
    for _ in 0..3 {
        // Insert first: on PostgreSQL a concurrent insert of the same key waits here for
        // the other claim to commit, then finds its row.
        let inserted = per_backend!(conn, |c| diesel::insert_into(k::table)
            .values(&row)
            .on_conflict((k::actor_id, k::client_key))
            .do_nothing()
            .execute(c))?;
        if inserted == 1 {
            return acquired();
        }
        let query = this.select((
            k::request_hash,
            k::token,
            k::response_status,
            k::response_headers,
            k::response_body,
            k::locked_until,
            k::expires_at,
        ));
        let existing: Option<Existing> = match conn {
            DbConn::Pg(pg) => query.for_update().first(pg).optional()?,
            DbConn::Sqlite(sqlite) => query.first(sqlite).optional()?,
        };
        let Some((hash, old_token, status, headers, body, locked_until, expires_at)) = existing else { continue };
        let now_db = time::to_db(now);
        if expires_at <= now_db {
            // Forgotten already, only not yet purged: a new request.
            diesel::update(this).set(&row).execute(conn)?;
            return acquired();
        }
        if hash != request_hash {
            return Ok(Claim::Mismatch);
        }
        if let Some(status) = status {
            let headers = headers.and_then(|h| serde_json::from_str(&h).ok()).unwrap_or_default();
            return Ok(Claim::Replay(StoredReply { status: status as u16, headers, body: body.unwrap_or_default() }));
        }
        if locked_until > now_db {
            return Ok(Claim::InProgress);
        }
        // The request holding the claim died (or is very slow): take it over.
        diesel::update(this.filter(k::token.eq(&old_token)))
            .set((k::token.eq(&token), k::locked_until.eq(row.locked_until)))
            .execute(conn)?;
        return acquired();
    }
    Ok(Claim::InProgress)
}

/// Stores the answer of the request holding `token`. Call inside the transaction that did
/// the work; `false` means the claim was taken over meanwhile, and the work must be
/// rolled back.
pub fn complete(conn: &mut DbConn, actor_id: &str, key: &str, token: &str, reply: &StoredReply) -> QueryResult<bool> {
    let headers = serde_json::to_string(&reply.headers).unwrap_or_else(|_| "[]".into());
    let n = diesel::update(
        k::table
            .filter(k::actor_id.eq(actor_id))
            .filter(k::client_key.eq(key))
            .filter(k::token.eq(token))
            .filter(k::response_status.is_null()),
    )
    .set((
        k::response_status.eq(Some(i32::from(reply.status))),
        k::response_headers.eq(Some(headers)),
        k::response_body.eq(Some(&reply.body)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives the key up after a request that changed nothing (refused or failed), so that it
/// can be sent again.
pub fn release(conn: &mut DbConn, actor_id: &str, key: &str, token: &str) -> QueryResult<()> {
    diesel::delete(
        k::table
            .filter(k::actor_id.eq(actor_id))
            .filter(k::client_key.eq(key))
            .filter(k::token.eq(token))
            .filter(k::response_status.is_null()),
    )
    .execute(conn)
    .map(drop)
}

/// Deletes the keys that have expired; returns how many.
pub fn purge_expired(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(k::table.filter(k::expires_at.le(time::to_db(now)))).execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::{establish, DbUrl};

    fn conn() -> DbConn {
        let mut conn = establish(&DbUrl::parse("sqlite://:memory:").unwrap()).unwrap();
        crate::migrate::run_pending(&mut conn).unwrap();
        conn
    }

    const LIFE: Lifetimes = Lifetimes { ttl: TimeDelta::hours(24), lease: TimeDelta::seconds(60) };

    fn reply() -> StoredReply {
        StoredReply { status: 201, headers: vec![("location".into(), "/x/1".into())], body: b"{\"id\":1}".to_vec() }
    }

    #[test]
    fn a_key_is_claimed_once_answered_once_and_replayed() {
        let mut c = conn();
        let now = Utc::now();
        let Claim::Acquired { token } = claim(&mut c, now, "u1", "k", "h1", LIFE).unwrap() else { panic!() };
        assert_eq!(claim(&mut c, now, "u1", "k", "h1", LIFE).unwrap(), Claim::InProgress);
        assert_eq!(claim(&mut c, now, "u1", "k", "h2", LIFE).unwrap(), Claim::Mismatch);
        // Another caller's key of the same name is theirs alone.
        assert!(matches!(claim(&mut c, now, "u2", "k", "h1", LIFE).unwrap(), Claim::Acquired { .. }));
        assert!(complete(&mut c, "u1", "k", &token, &reply()).unwrap());
        assert!(!complete(&mut c, "u1", "k", &token, &reply()).unwrap(), "answered once");
        assert_eq!(claim(&mut c, now, "u1", "k", "h1", LIFE).unwrap(), Claim::Replay(reply()));
    }

    #[test]
    fn a_released_key_is_free_and_a_dead_claim_is_taken_over() {
        let mut c = conn();
        let now = Utc::now();
        let Claim::Acquired { token } = claim(&mut c, now, "u1", "k", "h1", LIFE).unwrap() else { panic!() };
        release(&mut c, "u1", "k", &token).unwrap();
        let Claim::Acquired { token: first } = claim(&mut c, now, "u1", "k", "h2", LIFE).unwrap() else { panic!() };
        let later = now + TimeDelta::seconds(61);
        let Claim::Acquired { token: second } = claim(&mut c, later, "u1", "k", "h2", LIFE).unwrap() else { panic!() };
        assert!(!complete(&mut c, "u1", "k", &first, &reply()).unwrap(), "the slow holder lost its claim");
        assert!(complete(&mut c, "u1", "k", &second, &reply()).unwrap());
    }

    #[test]
    fn expired_keys_are_new_again_and_purged() {
        let mut c = conn();
        let now = Utc::now();
        let Claim::Acquired { token } = claim(&mut c, now, "u1", "k", "h1", LIFE).unwrap() else { panic!() };
        assert!(complete(&mut c, "u1", "k", &token, &reply()).unwrap());
        let Claim::Acquired { token: _ } = claim(&mut c, now, "u1", "other", "h1", LIFE).unwrap() else { panic!() };
        let tomorrow = now + TimeDelta::hours(24);
        assert_eq!(purge_expired(&mut c, tomorrow - TimeDelta::seconds(1)).unwrap(), 0);
        assert!(matches!(claim(&mut c, tomorrow, "u1", "k", "h2", LIFE).unwrap(), Claim::Acquired { .. }));
        assert_eq!(purge_expired(&mut c, tomorrow).unwrap(), 1, "the other key; `k` was renewed");
    }
}
