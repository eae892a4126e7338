//! The server's one clock. Business dates are China Standard Time (UTC+8); timestamps are UTC.
//! Tests move it with [`Clock::set_offset`] instead of waiting for real days to pass.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, SubsecRound, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

/// China Standard Time, in which every business date (filing, publicity, issue) is counted.
pub fn china_standard_time() -> FixedOffset {
    // 8 hours east of UTC is always a valid offset; the fallback is never taken.
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Wall-clock time plus an offset that tests may set.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// The current time in UTC, to the microsecond (what both databases store).
    pub fn now(&self) -> DateTime<Utc> {
        (Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))).trunc_subsecs(6)
    }

    /// Today's date in China Standard Time.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&china_standard_time()).date_naive()
    }

    /// Moves the clock so that `now()` is `target` (from this moment on).
    pub fn set_offset(&self, target: DateTime<Utc>) {
        let delta = target - Utc::now();
        self.offset_ms.store(delta.num_milliseconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn business_dates_are_china_standard_time() {
        let clock = Clock::default();
        // 2024-09-30 17:30 UTC is already 2024-10-01 (National Day) in Chongqing.
        let target = Utc.with_ymd_and_hms(2024, 9, 30, 17, 30, 0).single().expect("valid");
        clock.set_offset(target);
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2024, 10, 1).expect("date"));
        assert!((clock.now() - target).num_seconds().abs() < 5);
    }
}
