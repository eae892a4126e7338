//! Working days (工作日): Monday to Friday, minus official public holidays, plus the weekend days
//! the State Council declares working days (调休). The arrangement is data, published per year.
//!
//! Counting rules used by the notice's deadlines (see docs/DECISIONS.md):
//! * R17 "filed ≥ 10 working days before the assessment": the earliest session date for a plan
//!   filed on `d` is the 10th working day after `d` ([`Calendar::add_working_days`]`(d, 10)`).
//! * R21 "published for ≥ 5 working days": a publicity started on `d` runs over the 5 working days
//!   after `d` (the start day, usually partial, does not count) and ends with the 5th of them.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::{BTreeSet, HashMap};

/// What a listed date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// An official rest day (法定节假日 or a day of its break).
    Holiday,
    /// A weekend day declared a working day (调休上班).
    Workday,
}

/// The working-day calendar.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: HashMap<NaiveDate, DayKind>,
    published_years: BTreeSet<i32>,
}

/// A result that may rest on years without a published arrangement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted<T> {
    pub value: T,
    /// Years the computation crossed for which no arrangement is published: their weekdays were
    /// treated as working days and their weekends as rest days.
    pub unpublished_years: Vec<i32>,
}

/// Largest span the calendar computes over, in days (guards against absurd requests).
pub const MAX_SPAN_DAYS: i64 = 3660;

impl Calendar {
    /// A calendar from listed days and the years whose arrangement is published.
    pub fn new(
        days: impl IntoIterator<Item = (NaiveDate, DayKind)>,
        published_years: impl IntoIterator<Item = i32>,
    ) -> Calendar {
        Calendar { days: days.into_iter().collect(), published_years: published_years.into_iter().collect() }
    }

    /// Whether the year's arrangement is published.
    pub fn is_published(&self, year: i32) -> bool {
        self.published_years.contains(&year)
    }

    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    fn note(&self, d: NaiveDate, years: &mut Vec<i32>) {
        if !self.is_published(d.year()) && !years.contains(&d.year()) {
            years.push(d.year());
        }
    }

    /// The `n`th working day after `from` (`from` itself not counted); `n = 0` is `from`.
    /// `None` if the answer lies more than [`MAX_SPAN_DAYS`] away.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Option<Counted<NaiveDate>> {
        let mut years = Vec::new();
        let mut d = from;
        let mut left = n;
        let mut steps = 0;
        while left > 0 {
            d = d.checked_add_signed(Duration::days(1))?;
            steps += 1;
            if steps > MAX_SPAN_DAYS {
                return None;
            }
            self.note(d, &mut years);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        Some(Counted { value: d, unpublished_years: years })
    }

    /// Working days `d` with `from < d <= to` (0 when `to <= from`). `None` if the span exceeds
    /// [`MAX_SPAN_DAYS`].
    pub fn count_working_days(&self, from: NaiveDate, to: NaiveDate) -> Option<Counted<u32>> {
        if (to - from).num_days() > MAX_SPAN_DAYS {
            return None;
        }
        let mut years = Vec::new();
        let mut count = 0;
        let mut d = from;
        while d < to {
            d = d.succ_opt()?;
            self.note(d, &mut years);
            if self.is_working_day(d) {
                count += 1;
            }
        }
        Some(Counted { value: count, unpublished_years: years })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    /// 2024's National Day break: 10-01..10-07 off, 09-29 (Sun) and 10-12 (Sat) worked.
    fn calendar_2024() -> Calendar {
        let mut days: Vec<(NaiveDate, DayKind)> =
            (1..=7).map(|x| (d(2024, 10, x), DayKind::Holiday)).collect();
        days.push((d(2024, 9, 29), DayKind::Workday));
        days.push((d(2024, 10, 12), DayKind::Workday));
        Calendar::new(days, [2024])
    }

    #[test]
    fn weekends_holidays_and_make_up_days() {
        let c = calendar_2024();
        assert!(!c.is_working_day(d(2024, 10, 1)));
        assert!(c.is_working_day(d(2024, 9, 29)), "a Sunday worked");
        assert!(!c.is_working_day(d(2024, 9, 28)), "an ordinary Saturday");
        assert!(c.is_working_day(d(2024, 9, 30)));
    }

    // R17 across a real holiday: a plan filed on Friday 2024-09-27.
    #[test]
    fn r17_ten_working_days_across_national_day_2024() {
        let c = calendar_2024();
        let earliest = c.add_working_days(d(2024, 9, 27), 10).expect("in range");
        // 9-29 (Sun, worked), 9-30, the break, 10-08..10-11, 10-12 (Sat, worked), 10-14, 10-15, 10-16.
        assert_eq!(earliest.value, d(2024, 10, 16));
        assert!(earliest.unpublished_years.is_empty());
        assert_eq!(c.count_working_days(d(2024, 9, 27), d(2024, 10, 16)).map(|x| x.value), Some(10));
        assert_eq!(c.count_working_days(d(2024, 9, 27), d(2024, 10, 15)).map(|x| x.value), Some(9));
    }

    #[test]
    fn an_unpublished_year_counts_weekdays_and_says_so() {
        let c = calendar_2024();
        let r = c.add_working_days(d(2026, 12, 30), 3).expect("in range");
        assert_eq!(r.value, d(2027, 1, 4));
        assert_eq!(r.unpublished_years, [2026, 2027]);
        assert!(c.add_working_days(d(2024, 1, 1), 100_000).is_none());
        assert_eq!(c.count_working_days(d(2024, 5, 1), d(2024, 4, 1)).map(|x| x.value), Some(0));
    }
}
