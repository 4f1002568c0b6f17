//! Day-by-day chores that must cover every day once, whatever the restarts and however
//! many instances run: each remembers, in `chore_runs`, the day it has covered up to.
//!
//! A chore claims its day with [`claim`] inside the write transaction that does the work.
//! The claim is a conditional write — `done_through` moves from the value read to the
//! new day only if it still holds the value read — so of two instances claiming the same
//! day exactly one wins: on PostgreSQL the second waits on the first's row lock, then
//! finds the value changed and loses; on SQLite write transactions already run one at a
//! time. A failed chore rolls its claim back with its work.

use crate::schema::chore_runs;
use crate::{per_backend, time, DbConn};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

/// The day `name` has covered everything before, if it has ever run.
pub fn done_through(conn: &mut DbConn, name: &str) -> QueryResult<Option<NaiveDate>> {
    let day: Option<String> = chore_runs::table.find(name).select(chore_runs::done_through).first(conn).optional()?;
    Ok(day.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
}

/// The outcome of [`claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller does the work for the days from `from` (everything, if `None`) up to
    /// the day it claimed.
    Won { from: Option<NaiveDate> },
    /// The day is covered, or another instance claimed it first: skip.
    Taken,
}

/// Claims `day` for the chore `name`: on success `done_through` is `day`, and the work
/// must be done in the same transaction. Another instance's claim of the same day makes
/// this one [`Claim::Taken`].
pub fn claim(conn: &mut DbConn, name: &str, day: NaiveDate, now: DateTime<Utc>) -> QueryResult<Claim> {
    let current: Option<String> =
        chore_runs::table.find(name).select(chore_runs::done_through).first(conn).optional()?;
    let from = current.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    if from.is_some_and(|d| d >= day) {
        return Ok(Claim::Taken);
    }
    let won = match &current {
        // The first run ever: whoever inserts the row first wins; the other's insert
        // waits for that transaction and then does nothing.
        None => {
            let row = (
                chore_runs::name.eq(name),
                chore_runs::done_through.eq(day.to_string()),
                chore_runs::updated_at.eq(time::to_db(now)),
            );
            per_backend!(conn, |c| diesel::insert_into(chore_runs::table)
                .values(row)
                .on_conflict(chore_runs::name)
                .do_nothing()
                .execute(c))?
        }
        Some(seen) => diesel::update(
            chore_runs::table.filter(chore_runs::name.eq(name)).filter(chore_runs::done_through.eq(seen)),
        )
        .set((chore_runs::done_through.eq(day.to_string()), chore_runs::updated_at.eq(time::to_db(now))))
        .execute(conn)?,
    };
    Ok(if won == 1 { Claim::Won { from } } else { Claim::Taken })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::{establish, DbUrl};

    #[test]
    fn a_chore_remembers_the_last_day_it_covered() {
        let mut conn = establish(&DbUrl::parse("sqlite://:memory:").unwrap()).unwrap();
        crate::migrate::run_pending(&mut conn).unwrap();
        let now = Utc::now();
        assert_eq!(done_through(&mut conn, "sweep").unwrap(), None);
        let (d1, d2) = (NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        assert_eq!(claim(&mut conn, "sweep", d1, now).unwrap(), Claim::Won { from: None });
        assert_eq!(claim(&mut conn, "sweep", d1, now).unwrap(), Claim::Taken);
        assert_eq!(claim(&mut conn, "sweep", d2, now).unwrap(), Claim::Won { from: Some(d1) });
        assert_eq!(claim(&mut conn, "sweep", d1, now).unwrap(), Claim::Taken);
        assert_eq!(done_through(&mut conn, "sweep").unwrap(), Some(d2));
        assert_eq!(done_through(&mut conn, "other").unwrap(), None);
    }
}
