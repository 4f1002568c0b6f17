//! Time as a dependency, so that expiry rules can be tested without sleeping.

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};
use std::sync::Arc;

/// Where the current time comes from.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock, truncated to microseconds: that is the precision both
/// PostgreSQL and our SQLite encoding keep, so a value reads back as written.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate_micros(Utc::now())
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// The marketplace's time zone (`marketplace.time_zone`), an IANA name such as
/// `Asia/Jakarta` (WIB), `Asia/Makassar` (WITA) or `Asia/Jayapura` (WIT). Every date a
/// rule counts — a certificate's last valid day, a reminder, a deadline in working days —
/// is a day of this zone; timestamps stay UTC. The zone database is compiled in, so this
/// works on a machine without `/etc/zoneinfo`, and it travels with the settings each
/// service receives rather than with the process (`TZ` plays no part).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

impl Zone {
    /// Western Indonesia Time, the default.
    pub const JAKARTA: Zone = Zone(chrono_tz::Tz::Asia__Jakarta);

    /// Parses an IANA zone name (`Asia/Makassar`); the message says what is wrong.
    pub fn parse(name: &str) -> Result<Zone, String> {
        name.trim()
            .parse::<chrono_tz::Tz>()
            .map(Zone)
            .map_err(|_| format!("'{name}' is not an IANA time zone (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"))
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The calendar day at `now` in this zone.
    pub fn date(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.0).date_naive()
    }

    /// The instant `date` begins in this zone (local midnight, as UTC). Indonesian zones
    /// have no daylight saving; where a zone skips midnight, the first instant of the day.
    pub fn start_of(&self, date: NaiveDate) -> DateTime<Utc> {
        self.at(date, chrono::NaiveTime::MIN)
    }

    /// `date` at the wall-clock `time` in this zone, as UTC. A time a daylight-saving
    /// change skips is taken an hour later; an ambiguous one, the earlier.
    pub fn at(&self, date: NaiveDate, time: chrono::NaiveTime) -> DateTime<Utc> {
        use chrono::TimeZone as _;
        let local = date.and_time(time);
        let resolved = self
            .0
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| self.0.from_local_datetime(&(local + TimeDelta::hours(1))).earliest());
        // Cannot be None for a real zone: an hour later is past any daylight-saving gap.
        resolved.map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| local.and_utc())
    }

    /// The wall-clock time of day at `now` in this zone.
    pub fn time_of_day(&self, now: DateTime<Utc>) -> chrono::NaiveTime {
        now.with_timezone(&self.0).time()
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone::JAKARTA
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The calendar day at `now` where the marketplace is (`zone`). Validity dates —
/// certificates, documents — end at local midnight, not at UTC midnight, which is 07:00
/// in Jakarta. Never use `now.date_naive()` for a rule: that is the UTC day.
pub fn local_date(now: DateTime<Utc>, zone: Zone) -> NaiveDate {
    zone.date(now)
}

/// Drops sub-microsecond precision.
pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    // Cannot fail: one microsecond is a valid, non-zero rounding unit.
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The wall clock moved forward by a settable amount: lets a black-box test see what
/// the service does days from now (certificates lapsing, deadlines passing) without
/// waiting for them.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    ahead_secs: std::sync::atomic::AtomicI64,
}

impl ShiftedClock {
    /// Moves this clock `by` further ahead of the wall clock.
    pub fn advance(&self, by: TimeDelta) {
        self.ahead_secs.fetch_add(by.num_seconds(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        let ahead = TimeDelta::seconds(self.ahead_secs.load(std::sync::atomic::Ordering::SeqCst));
        SystemClock.now() + ahead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_runs_ahead_by_what_it_was_told() {
        let clock = ShiftedClock::default();
        clock.advance(TimeDelta::days(11));
        let ahead = clock.now() - SystemClock.now();
        assert!(ahead > TimeDelta::days(11) - TimeDelta::seconds(5) && ahead <= TimeDelta::days(11), "{ahead}");
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_local_day_changes_at_local_midnight_of_the_marketplace_zone() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // 16:30 UTC is 23:30 WIB, 00:30 WITA and 01:30 WIT.
        let t = utc("2026-12-01T16:30:00Z");
        assert_eq!(local_date(t, Zone::JAKARTA), d(2026, 12, 1));
        assert_eq!(local_date(t, Zone::parse("Asia/Makassar").unwrap()), d(2026, 12, 2));
        assert_eq!(local_date(t, Zone::parse("Asia/Jayapura").unwrap()), d(2026, 12, 2));
        // 17:30 UTC is 00:30 WIB the next day.
        assert_eq!(local_date(utc("2026-12-01T17:30:00Z"), Zone::default()), d(2026, 12, 2));
        assert_eq!(Zone::JAKARTA.start_of(d(2026, 12, 2)), utc("2026-12-01T17:00:00Z"));
        assert_eq!(Zone::parse("Asia/Jayapura").unwrap().start_of(d(2026, 12, 2)), utc("2026-12-01T15:00:00Z"));
    }

    #[test]
    fn a_zone_is_an_iana_name() {
        assert_eq!(Zone::parse("Asia/Makassar").unwrap().name(), "Asia/Makassar");
        assert_eq!(Zone::default().to_string(), "Asia/Jakarta");
        for bad in ["", "WIB", "Asia/Surabaya", "WIB-7", "Asia/Jakarta/x"] {
            let e = Zone::parse(bad).unwrap_err();
            assert!(e.contains("IANA"), "{bad}: {e}");
        }
    }
}
