//! Working days: Monday to Friday, except national holidays (hari libur nasional) and
//! cuti bersama. Deadlines in government purchasing are counted in working days (an
//! order the PPK leaves untouched for 3 working days cancels itself), so these functions
//! are pure — a set of days off in, a date out — and the set comes from the database
//! (`pasar_db::calendar::working_calendar`), where administrators keep it.

use crate::clock::Zone;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Why a weekday is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Hari libur nasional.
    NationalHoliday,
    /// Cuti bersama: collective leave that government offices observe.
    CutiBersama,
}

impl HolidayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HolidayKind::NationalHoliday => "national_holiday",
            HolidayKind::CutiBersama => "cuti_bersama",
        }
    }

    pub fn parse(s: &str) -> Result<HolidayKind, String> {
        match s {
            "national_holiday" => Ok(HolidayKind::NationalHoliday),
            "cuti_bersama" => Ok(HolidayKind::CutiBersama),
            _ => Err("must be national_holiday or cuti_bersama".into()),
        }
    }
}

impl std::fmt::Display for HolidayKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Saturday or Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The days that are not working days besides weekends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    days_off: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// A calendar whose days off, besides weekends, are `days_off`.
    pub fn new(days_off: impl IntoIterator<Item = NaiveDate>) -> WorkingCalendar {
        WorkingCalendar { days_off: days_off.into_iter().collect() }
    }

    /// Not a weekend, not a holiday, not cuti bersama.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !is_weekend(date) && !self.days_off.contains(&date)
    }

    /// `date` if it is a working day, else the first working day after it.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        while !self.is_working_day(d) {
            d = succ(d);
        }
        d
    }

    /// The `n`-th working day after `date`, counting only working days and not `date`
    /// itself: Friday + 1 is Monday, and so is Saturday + 1. `n = 0` gives `date`
    /// unchanged, whatever day it is.
    pub fn working_days_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        for _ in 0..n {
            d = succ(d);
            while !self.is_working_day(d) {
                d = succ(d);
            }
        }
        d
    }

    /// The working days `d` with `from < d <= to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = succ(d);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// `n` whole working days after the instant `at`, days counted in the marketplace's
    /// `zone`: from a working day, the same local time `n` working days later (Friday
    /// 14:00 + 3 is Wednesday 14:00); from a weekend or holiday, counting starts when the
    /// next working day begins (Saturday 10:00 + 1 is Tuesday 00:00, so all of Monday
    /// counts). `n = 0` gives `at`, or the start of the next working day.
    pub fn add_working_days(&self, at: DateTime<Utc>, n: u32, zone: Zone) -> DateTime<Utc> {
        let day = zone.date(at);
        if self.is_working_day(day) {
            zone.at(self.working_days_after(day, n), zone.time_of_day(at))
        } else {
            let start = self.next_working_day(day);
            if n == 0 {
                zone.start_of(start)
            } else {
                zone.start_of(succ(self.working_days_after(start, n - 1)))
            }
        }
    }
}

/// The next calendar day. Dates here are far from chrono's limits (year 262143).
fn succ(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Idul Fitri 1447 H: cuti bersama Fri 20 March, the feast Sat–Sun 21–22 March,
    /// cuti bersama Mon–Tue 23–24 March 2026; Nyepi Thu 19 March with cuti bersama
    /// Wed 18 March. New Year's Day 2027 (a Friday), Christmas 2026 (a Friday) with cuti
    /// bersama Thursday 24 December.
    fn calendar() -> WorkingCalendar {
        WorkingCalendar::new([
            d(2026, 3, 18),
            d(2026, 3, 19),
            d(2026, 3, 20),
            d(2026, 3, 21),
            d(2026, 3, 22),
            d(2026, 3, 23),
            d(2026, 3, 24),
            d(2026, 12, 24),
            d(2026, 12, 25),
            d(2027, 1, 1),
        ])
    }

    #[test]
    fn weekends_are_not_working_days() {
        let c = WorkingCalendar::default();
        assert!(c.is_working_day(d(2026, 12, 4))); // Friday
        assert!(!c.is_working_day(d(2026, 12, 5))); // Saturday
        assert!(!c.is_working_day(d(2026, 12, 6))); // Sunday
        assert!(c.is_working_day(d(2026, 12, 7))); // Monday
        assert_eq!(c.working_days_after(d(2026, 12, 4), 1), d(2026, 12, 7));
        assert_eq!(c.working_days_after(d(2026, 12, 5), 1), d(2026, 12, 7));
        assert_eq!(c.working_days_after(d(2026, 12, 6), 1), d(2026, 12, 7));
        assert_eq!(c.working_days_after(d(2026, 12, 2), 3), d(2026, 12, 7));
        assert_eq!(c.working_days_after(d(2026, 12, 1), 10), d(2026, 12, 15));
    }

    #[test]
    fn holidays_are_skipped() {
        let c = calendar();
        assert!(!c.is_working_day(d(2026, 12, 25)));
        // Wednesday 23 December + 1: Thursday is cuti bersama, Friday Christmas, then the
        // weekend.
        assert_eq!(c.working_days_after(d(2026, 12, 23), 1), d(2026, 12, 28));
        assert_eq!(c.working_days_after(d(2026, 12, 22), 2), d(2026, 12, 28));
    }

    #[test]
    fn cuti_bersama_next_to_a_weekend_makes_one_long_break() {
        let c = calendar();
        // Tuesday 17 March 2026 + 1: Wednesday 18 to Tuesday 24 are all off.
        assert_eq!(c.working_days_after(d(2026, 3, 17), 1), d(2026, 3, 25));
        assert_eq!(c.working_days_after(d(2026, 3, 16), 3), d(2026, 3, 26));
        assert_eq!(c.next_working_day(d(2026, 3, 20)), d(2026, 3, 25));
        assert_eq!(c.working_days_between(d(2026, 3, 17), d(2026, 3, 25)), 1);
        for day in 18..=24 {
            assert!(!c.is_working_day(d(2026, 3, day)), "{day} March");
        }
    }

    #[test]
    fn counting_crosses_the_year_boundary() {
        let c = calendar();
        // Wednesday 30 December 2026 + 2: Thursday 31, (New Year's Day, weekend), Monday 4.
        assert_eq!(c.working_days_after(d(2026, 12, 30), 2), d(2027, 1, 4));
        assert_eq!(c.working_days_after(d(2026, 12, 31), 1), d(2027, 1, 4));
        assert_eq!(c.working_days_between(d(2026, 12, 30), d(2027, 1, 4)), 2);
    }

    #[test]
    fn zero_working_days_is_the_same_day() {
        let c = calendar();
        assert_eq!(c.working_days_after(d(2026, 12, 2), 0), d(2026, 12, 2));
        assert_eq!(c.working_days_after(d(2026, 12, 25), 0), d(2026, 12, 25));
        assert_eq!(c.next_working_day(d(2026, 12, 2)), d(2026, 12, 2));
        assert_eq!(c.working_days_between(d(2026, 12, 2), d(2026, 12, 2)), 0);
        assert_eq!(c.working_days_between(d(2026, 12, 3), d(2026, 12, 2)), 0);
    }

    #[test]
    fn timestamps_move_by_working_days_in_the_marketplace_zone() {
        let c = calendar();
        let wib = Zone::JAKARTA;
        // Friday 4 December 2026, 14:00 WIB (07:00 UTC) + 3: Wednesday 9 December, 14:00 WIB.
        assert_eq!(c.add_working_days(utc("2026-12-04T07:00:00Z"), 3, wib), utc("2026-12-09T07:00:00Z"));
        // 23:30 WIB on Wednesday 23 December is 16:30 UTC; + 1 is Monday 28th 23:30 WIB.
        assert_eq!(c.add_working_days(utc("2026-12-23T16:30:00Z"), 1, wib), utc("2026-12-28T16:30:00Z"));
        // The same instant in WIT is already Thursday 24th, cuti bersama: counting starts
        // Monday 28th, so + 1 ends when Tuesday 29th begins (00:00 WIT = 15:00 UTC on the 28th).
        let wit = Zone::parse("Asia/Jayapura").unwrap();
        assert_eq!(c.add_working_days(utc("2026-12-23T16:30:00Z"), 1, wit), utc("2026-12-28T15:00:00Z"));
        // Saturday 10:00 WIB + 1: all of Monday counts.
        assert_eq!(c.add_working_days(utc("2026-12-05T03:00:00Z"), 1, wib), utc("2026-12-07T17:00:00Z"));
        // n = 0: unchanged on a working day, the start of the next one otherwise.
        assert_eq!(c.add_working_days(utc("2026-12-04T07:00:00Z"), 0, wib), utc("2026-12-04T07:00:00Z"));
        assert_eq!(c.add_working_days(utc("2026-12-05T03:00:00Z"), 0, wib), utc("2026-12-06T17:00:00Z"));
        // Across the new year: Thursday 31 December 2026 09:00 WIB + 1 is Monday 4 January.
        assert_eq!(c.add_working_days(utc("2026-12-31T02:00:00Z"), 1, wib), utc("2027-01-04T02:00:00Z"));
    }

    #[test]
    fn kinds_parse_from_their_names() {
        for k in [HolidayKind::NationalHoliday, HolidayKind::CutiBersama] {
            assert_eq!(HolidayKind::parse(k.as_str()), Ok(k));
        }
        assert!(HolidayKind::parse("weekend").is_err());
    }
}
