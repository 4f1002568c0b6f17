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

/// The calendar day at `now` where the marketplace is, in the server's local time zone
/// (`TZ`: `Asia/Jakarta`, or `WIB-7` where no time-zone database is installed). Validity
/// dates — certificates, documents — end at local midnight, not at UTC midnight, which
/// is 07:00 in Jakarta. Without `TZ` (and no `/etc/localtime`) this is the UTC day.
pub fn local_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&chrono::Local).date_naive()
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
}
