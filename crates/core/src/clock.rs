//! Time as a dependency, so that expiry rules can be tested without sleeping.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
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

/// Drops sub-microsecond precision.
pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    // Cannot fail: one microsecond is a valid, non-zero rounding unit.
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}
