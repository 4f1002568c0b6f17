//! The working-day calendar in the database: weekdays that are not working days
//! (`holidays`), and which years' configured lists have been loaded (`holiday_years`).
//! The arithmetic itself is [`pasar_core::calendar::WorkingCalendar`]; load one with
//! [`working_calendar`].

use crate::schema::{holiday_years, holidays};
use crate::{per_backend, time, DbConn};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use pasar_core::calendar::{HolidayKind, WorkingCalendar};
use pasar_core::Zone;

/// A day off as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = holidays)]
pub struct HolidayRow {
    pub day: String,
    pub name: String,
    pub kind: String,
    pub updated_by: Option<String>,
    pub updated_at: chrono::NaiveDateTime,
}

/// A day off to store.
#[derive(Debug, Clone)]
pub struct NewHoliday<'a> {
    pub day: NaiveDate,
    pub name: &'a str,
    pub kind: HolidayKind,
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The days off from `from` to `to`, both included, in date order.
pub fn between(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<HolidayRow>> {
    holidays::table
        .filter(holidays::day.ge(from.to_string()))
        .filter(holidays::day.le(to.to_string()))
        .order(holidays::day.asc())
        .select(HolidayRow::as_select())
        .load(conn)
}

/// The days off of `year`, in date order.
pub fn in_year(conn: &mut DbConn, year: i32) -> QueryResult<Vec<HolidayRow>> {
    match (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) {
        (Some(from), Some(to)) => between(conn, from, to),
        _ => Ok(Vec::new()),
    }
}

pub fn find(conn: &mut DbConn, day: NaiveDate) -> QueryResult<Option<HolidayRow>> {
    holidays::table.find(day.to_string()).select(HolidayRow::as_select()).first(conn).optional()
}

/// Every day off from `from` on, as a calendar to count working days with. The table
/// holds a few dozen days a year, so this reads them all rather than guess how far a
/// count will go.
pub fn working_calendar(conn: &mut DbConn, from: NaiveDate) -> QueryResult<WorkingCalendar> {
    let days: Vec<String> =
        holidays::table.filter(holidays::day.ge(from.to_string())).select(holidays::day).load(conn)?;
    Ok(WorkingCalendar::new(days.iter().filter_map(|d| parse_day(d))))
}

/// `n` working days after the instant `at`, counted in the marketplace's `zone` with the
/// calendar as stored now (see [`WorkingCalendar::add_working_days`]): the deadline of
/// something that must happen within `n` working days.
pub fn add_working_days(conn: &mut DbConn, at: DateTime<Utc>, n: u32, zone: Zone) -> QueryResult<DateTime<Utc>> {
    Ok(working_calendar(conn, zone.date(at))?.add_working_days(at, n, zone))
}

/// Sets `day` as a day off (creating or replacing it); `by` is the administrator, or
/// `None` when seeded from configuration.
pub fn upsert(conn: &mut DbConn, h: &NewHoliday<'_>, by: Option<&str>, now: DateTime<Utc>) -> QueryResult<()> {
    let row = (
        holidays::day.eq(h.day.to_string()),
        holidays::name.eq(h.name),
        holidays::kind.eq(h.kind.as_str()),
        holidays::updated_by.eq(by),
        holidays::updated_at.eq(time::to_db(now)),
    );
    per_backend!(conn, |c| diesel::insert_into(holidays::table)
        .values(row.clone())
        .on_conflict(holidays::day)
        .do_update()
        .set((
            holidays::name.eq(h.name),
            holidays::kind.eq(h.kind.as_str()),
            holidays::updated_by.eq(by),
            holidays::updated_at.eq(time::to_db(now)),
        ))
        .execute(c))
    .map(drop)
}

/// Removes `day`; returns whether it was there.
pub fn delete(conn: &mut DbConn, day: NaiveDate) -> QueryResult<bool> {
    diesel::delete(holidays::table.find(day.to_string())).execute(conn).map(|n| n > 0)
}

/// The years whose configured list has been loaded.
pub fn seeded_years(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    holiday_years::table.select(holiday_years::year).order(holiday_years::year.asc()).load(conn)
}

/// Loads `year`'s configured list unless that year was loaded before: claims the year
/// (so that of two instances starting together only one loads it), then adds each day
/// not already there — a day an administrator set first is kept as they set it. Returns
/// the days added, or `None` if the year had been loaded already. Run it inside a write
/// transaction, with the audit entry.
pub fn seed_year(
    conn: &mut DbConn,
    year: i32,
    days: &[NewHoliday<'_>],
    now: DateTime<Utc>,
) -> QueryResult<Option<Vec<NaiveDate>>> {
    let claim = (holiday_years::year.eq(year), holiday_years::seeded_at.eq(time::to_db(now)));
    let claimed = per_backend!(conn, |c| diesel::insert_into(holiday_years::table)
        .values(claim)
        .on_conflict(holiday_years::year)
        .do_nothing()
        .execute(c))?;
    if claimed == 0 {
        return Ok(None);
    }
    let mut added = Vec::new();
    for h in days {
        let row = (
            holidays::day.eq(h.day.to_string()),
            holidays::name.eq(h.name),
            holidays::kind.eq(h.kind.as_str()),
            holidays::updated_by.eq(None::<String>),
            holidays::updated_at.eq(time::to_db(now)),
        );
        let n = per_backend!(conn, |c| diesel::insert_into(holidays::table)
            .values(row)
            .on_conflict(holidays::day)
            .do_nothing()
            .execute(c))?;
        if n > 0 {
            added.push(h.day);
        }
    }
    Ok(Some(added))
}

impl HolidayRow {
    /// The stored date (written by this module, so always a date).
    pub fn date(&self) -> Option<NaiveDate> {
        parse_day(&self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::{establish, DbUrl};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_seeded_year_is_not_seeded_again_and_keeps_what_was_set_before() {
        let mut conn = establish(&DbUrl::parse("sqlite://:memory:").unwrap()).unwrap();
        crate::migrate::run_pending(&mut conn).unwrap();
        let now = Utc::now();
        let own = NewHoliday { day: d(2026, 12, 24), name: "Set by hand", kind: HolidayKind::NationalHoliday };
        upsert(&mut conn, &own, None, now).unwrap();
        let list = [
            NewHoliday { day: d(2026, 12, 24), name: "Cuti Bersama Natal", kind: HolidayKind::CutiBersama },
            NewHoliday { day: d(2026, 12, 25), name: "Natal", kind: HolidayKind::NationalHoliday },
        ];
        assert_eq!(seed_year(&mut conn, 2026, &list, now).unwrap(), Some(vec![d(2026, 12, 25)]));
        assert_eq!(find(&mut conn, d(2026, 12, 24)).unwrap().unwrap().name, "Set by hand");
        assert!(delete(&mut conn, d(2026, 12, 25)).unwrap());
        assert_eq!(seed_year(&mut conn, 2026, &list, now).unwrap(), None);
        assert!(find(&mut conn, d(2026, 12, 25)).unwrap().is_none());
        assert_eq!(seeded_years(&mut conn).unwrap(), vec![2026]);
        let cal = working_calendar(&mut conn, d(2026, 12, 1)).unwrap();
        assert!(!cal.is_working_day(d(2026, 12, 24)));
        assert!(cal.is_working_day(d(2026, 12, 25)));
        assert_eq!(in_year(&mut conn, 2026).unwrap().len(), 1);
        assert!(in_year(&mut conn, 2027).unwrap().is_empty());
    }

    #[test]
    fn a_deadline_skips_the_stored_days_off() {
        let mut conn = establish(&DbUrl::parse("sqlite://:memory:").unwrap()).unwrap();
        crate::migrate::run_pending(&mut conn).unwrap();
        let now = Utc::now();
        for (day, kind) in
            [(d(2026, 12, 24), HolidayKind::CutiBersama), (d(2026, 12, 25), HolidayKind::NationalHoliday)]
        {
            upsert(&mut conn, &NewHoliday { day, name: "Natal", kind }, None, now).unwrap();
        }
        // Wednesday 23 December 2026, 10:00 WIB + 1 working day: Monday 28th, 10:00 WIB.
        let at = DateTime::parse_from_rfc3339("2026-12-23T03:00:00Z").unwrap().with_timezone(&Utc);
        let due = add_working_days(&mut conn, at, 1, Zone::JAKARTA).unwrap();
        assert_eq!(due, DateTime::parse_from_rfc3339("2026-12-28T03:00:00Z").unwrap().with_timezone(&Utc));
    }
}
