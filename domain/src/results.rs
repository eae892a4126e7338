//! Assessment results, publicity and reporting (notice 四(二)–(三)): the pass rule (R20), the
//! publicity window (R21) and what must hold before results are reported (R22).

use crate::calendar::Calendar;
use chrono::NaiveDate;

/// The default pass mark of every assessed component, out of 100 (R20).
pub const DEFAULT_PASS_MARK: f64 = 60.0;
/// Working days a publicity runs, at least (R21).
pub const PUBLICITY_WORKING_DAYS: u32 = 5;

/// One component's current result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ComponentResult {
    /// A score out of 100.
    Score(f64),
    /// A competition outcome standing for the exam: an award passes (R20).
    Award(bool),
}

/// R20: passed when every assessed component has a result and each reaches the pass mark.
/// `None` while a component has no result yet.
pub fn passed(results: &[Option<ComponentResult>], pass_mark: f64) -> Option<bool> {
    let mut all = true;
    for r in results {
        match (*r)? {
            ComponentResult::Score(s) => all &= s >= pass_mark,
            ComponentResult::Award(a) => all &= a,
        }
    }
    Some(all)
}

/// R21: the last day of a publicity started on `start` (the 5th working day after it).
pub fn publicity_end(calendar: &Calendar, start: NaiveDate) -> Option<NaiveDate> {
    calendar.add_working_days(start, PUBLICITY_WORKING_DAYS).map(|c| c.value)
}

/// Why results cannot be reported yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportBlock {
    /// R21: the publicity window has not ended (the last day is given).
    PublicityRunning { ends_on: NaiveDate },
    /// R22: objections are still unanswered.
    ObjectionsOpen { count: usize },
    /// R21: results of `changed` candidates changed after the publicity started (an upheld
    /// objection, or corrections after the centre returned them): they are published again first.
    RepublicationRequired { changed: usize },
}

/// R21, R22: reporting is possible once the results reported are the ones published, the window
/// has ended and every objection is answered.
pub fn may_report(
    today: NaiveDate,
    ends_on: NaiveDate,
    open_objections: usize,
    changed_since_publicity: usize,
) -> Result<(), ReportBlock> {
    if changed_since_publicity > 0 {
        Err(ReportBlock::RepublicationRequired { changed: changed_since_publicity })
    } else if today <= ends_on {
        Err(ReportBlock::PublicityRunning { ends_on })
    } else if open_objections > 0 {
        Err(ReportBlock::ObjectionsOpen { count: open_objections })
    } else {
        Ok(())
    }
}

/// Masks a name for publication: the first character stays, the rest become `*`
/// (`王小明` → `王**`); a two-character name keeps its first (`王明` → `王*`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            let mut masked = String::with_capacity(first.len_utf8() + rest);
            masked.push(first);
            masked.extend(std::iter::repeat_n('*', rest));
            masked
        }
        None => String::new(),
    }
}

/// The centre's review of one candidate's results (R23): only an approved candidate is certified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    /// Not reviewed yet.
    Pending,
    Approved,
    Rejected,
}

impl ReviewStatus {
    /// Every review status.
    pub const ALL: [ReviewStatus; 3] =
        [ReviewStatus::Pending, ReviewStatus::Approved, ReviewStatus::Rejected];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
        }
    }

    /// Parses a stable code.
    pub fn from_code(s: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL.into_iter().find(|x| x.code() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DayKind;

    // R20
    #[test]
    fn r20_every_assessed_component_must_reach_the_pass_mark() {
        use ComponentResult::{Award, Score};
        assert_eq!(passed(&[Some(Score(60.0)), Some(Score(75.5))], 60.0), Some(true));
        assert_eq!(passed(&[Some(Score(59.5)), Some(Score(95.0))], 60.0), Some(false));
        assert_eq!(passed(&[Some(Score(70.0)), None], 60.0), None);
        assert_eq!(passed(&[Some(Award(true)), Some(Score(65.0))], 60.0), Some(true));
        assert_eq!(passed(&[Some(Score(65.0))], 70.0), Some(false), "the standard's own mark applies");
    }

    // R21, R22
    #[test]
    fn r21_r22_publicity_runs_five_working_days_and_objections_block_reporting() {
        let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).expect("date");
        let days: Vec<(NaiveDate, DayKind)> = (1..=7).map(|x| (d(10, x), DayKind::Holiday)).collect();
        let cal = Calendar::new(days, [2024]);
        // Started Friday 09-27: 09-30, then 10-08..10-11 (the break in between).
        let end = publicity_end(&cal, d(9, 27)).expect("in range");
        assert_eq!(end, d(10, 11));
        assert_eq!(may_report(d(10, 11), end, 0, 0), Err(ReportBlock::PublicityRunning { ends_on: end }));
        assert_eq!(may_report(d(10, 12), end, 1, 0), Err(ReportBlock::ObjectionsOpen { count: 1 }));
        assert_eq!(may_report(d(10, 12), end, 0, 0), Ok(()));
        // R21: changed results are published again before anything else.
        assert_eq!(may_report(d(10, 12), end, 1, 2), Err(ReportBlock::RepublicationRequired { changed: 2 }));
    }

    #[test]
    fn names_are_masked_for_publication() {
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name("王明"), "王*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("王"), "王*");
    }
}
