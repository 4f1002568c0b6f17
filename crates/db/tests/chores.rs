//! Two instances claiming the same day's chore at the same moment: exactly one wins, on
//! both engines. The first claimer holds its transaction open until the second is
//! visibly waiting (PostgreSQL: blocked on a lock; SQLite: unable to start its write
//! transaction), so the two really overlap.

use chrono::{NaiveDate, Utc};
use diesel::RunQueryDsl;
use pasar_db::chores::{claim, done_through, Claim};
use pasar_db::conn::{establish, DbUrl};
use pasar_db::testing::{backends, TempPgDatabase};
use pasar_db::{write_tx, Backend, DbConn};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[derive(diesel::QueryableByName)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Whether some session of this database is waiting for a lock (PostgreSQL only).
fn someone_waits(conn: &mut DbConn) -> bool {
    let DbConn::Pg(pg) = conn else { return false };
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .get_result::<Waiting>(pg)
    .map(|w| w.n > 0)
    .unwrap_or(false)
}

fn race(url: &str, backend: Backend, day: NaiveDate) -> (Claim, Claim) {
    let (claimed_tx, claimed_rx) = mpsc::channel::<()>();
    let second_done = Arc::new(AtomicBool::new(false));
    let url_a = url.to_owned();
    let done = second_done.clone();
    let first = std::thread::spawn(move || {
        let mut conn = establish(&DbUrl::parse(&url_a).unwrap()).unwrap();
        let mut watcher = establish(&DbUrl::parse(&url_a).unwrap()).unwrap();
        write_tx(&mut conn, |c| {
            let outcome = claim(c, "sweep", day, Utc::now())?;
            claimed_tx.send(()).unwrap();
            // Hold the claim until the second claimer is blocked behind it (or, were
            // the claim not exclusive, has already finished).
            let limit = match backend {
                Backend::Postgres => Duration::from_secs(30),
                // SQLite offers no view of a waiting connection; its busy timeout (10 s)
                // outlasts this pause, so the second claimer is still waiting after it.
                Backend::Sqlite => Duration::from_millis(300),
            };
            let start = Instant::now();
            while !done.load(Ordering::SeqCst) && !someone_waits(&mut watcher) && start.elapsed() < limit {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok::<_, diesel::result::Error>(outcome)
        })
        .unwrap()
    });
    claimed_rx.recv().unwrap();
    let mut conn = establish(&DbUrl::parse(url).unwrap()).unwrap();
    let second = write_tx(&mut conn, |c| claim(c, "sweep", day, Utc::now())).unwrap();
    second_done.store(true, Ordering::SeqCst);
    (first.join().unwrap(), second)
}

#[test]
fn of_two_concurrent_claimers_of_one_day_exactly_one_wins() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(TempPgDatabase::create);
        let url = match &pg {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", dir.path().join("chores.db").display()),
        };
        let mut conn = establish(&DbUrl::parse(&url).unwrap()).unwrap();
        pasar_db::migrate::run_pending(&mut conn).unwrap();

        // The very first run (no row yet), then a later day (the row moves on).
        let (a, b) = race(&url, backend, d(2026, 12, 1));
        assert_eq!((a, b), (Claim::Won { from: None }, Claim::Taken), "{backend:?}, first run");
        let (a, b) = race(&url, backend, d(2026, 12, 2));
        assert_eq!((a, b), (Claim::Won { from: Some(d(2026, 12, 1)) }, Claim::Taken), "{backend:?}, next day");
        assert_eq!(done_through(&mut conn, "sweep").unwrap(), Some(d(2026, 12, 2)));

        // A claim rolled back with its failed work leaves the day to the next try.
        let failed: Result<(), diesel::result::Error> = write_tx(&mut conn, |c| {
            assert!(matches!(claim(c, "sweep", d(2026, 12, 3), Utc::now())?, Claim::Won { .. }));
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        let again = write_tx(&mut conn, |c| claim(c, "sweep", d(2026, 12, 3), Utc::now())).unwrap();
        assert_eq!(again, Claim::Won { from: Some(d(2026, 12, 2)) }, "{backend:?}");
        drop(conn);
        drop(pg);
    }
}
