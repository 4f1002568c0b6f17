//! Day-by-day chores that must cover every day once, whatever the restarts: each
//! remembers, in `chore_runs`, the day it has covered up to.

use crate::schema::chore_runs;
use crate::{per_backend, time, DbConn};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;

/// The day `name` has covered everything before, if it has ever run. Read it in the
/// write transaction that does the work and records the new day.
pub fn done_through(conn: &mut DbConn, name: &str) -> QueryResult<Option<NaiveDate>> {
    let day: Option<String> = chore_runs::table.find(name).select(chore_runs::done_through).first(conn).optional()?;
    Ok(day.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
}

/// Records that `name` has covered everything before `day`.
pub fn record(conn: &mut DbConn, name: &str, day: NaiveDate, now: DateTime<Utc>) -> QueryResult<()> {
    let row = (
        chore_runs::name.eq(name),
        chore_runs::done_through.eq(day.to_string()),
        chore_runs::updated_at.eq(time::to_db(now)),
    );
    per_backend!(conn, |c| diesel::insert_into(chore_runs::table)
        .values(row.clone())
        .on_conflict(chore_runs::name)
        .do_update()
        .set((
            chore_runs::done_through.eq(excluded(chore_runs::done_through)),
            chore_runs::updated_at.eq(excluded(chore_runs::updated_at)),
        ))
        .execute(c))
    .map(drop)
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
        record(&mut conn, "sweep", d1, now).unwrap();
        record(&mut conn, "sweep", d2, now).unwrap();
        assert_eq!(done_through(&mut conn, "sweep").unwrap(), Some(d2));
        assert_eq!(done_through(&mut conn, "other").unwrap(), None);
    }
}
