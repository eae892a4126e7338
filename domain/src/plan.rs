//! Batch plans (计划报备, notice 四(一)): status, contents (R18) and the notice period (R17).

use crate::calendar::Calendar;
use chrono::NaiveDate;

/// Working days between filing and the first session, at least (R17).
pub const NOTICE_WORKING_DAYS: u32 = 10;

/// Where a plan stands with the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    /// Being prepared by the institution.
    Draft,
    /// Filed with the centre.
    Filed,
    /// Returned by the centre with reasons.
    Returned,
    /// Acknowledged by the centre.
    Acknowledged,
    /// Called off with a reason (by the school before its first session, by the centre until
    /// certificates are issued); kept on record, nothing more happens to it.
    Cancelled,
}

impl PlanStatus {
    /// Every status.
    pub const ALL: [PlanStatus; 5] = [
        PlanStatus::Draft,
        PlanStatus::Filed,
        PlanStatus::Returned,
        PlanStatus::Acknowledged,
        PlanStatus::Cancelled,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Filed => "filed",
            PlanStatus::Returned => "returned",
            PlanStatus::Acknowledged => "acknowledged",
            PlanStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stable code.
    pub fn from_code(s: &str) -> Option<PlanStatus> {
        PlanStatus::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// An action on a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAction {
    /// Change occupations, method or sessions. On a filed or acknowledged plan this files the
    /// changed sessions again (R17 applies to them) and the plan goes back to `filed`.
    Edit,
    File,
    Acknowledge,
    Return,
    /// Add, import or replace candidates: only while the plan is a draft or returned.
    ChangeCandidates,
    /// Record the assessment's results: only once the centre has acknowledged the plan.
    Assess,
}

impl PlanAction {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            PlanAction::Edit => "edit",
            PlanAction::File => "file",
            PlanAction::Acknowledge => "acknowledge",
            PlanAction::Return => "return",
            PlanAction::ChangeCandidates => "change_candidates",
            PlanAction::Assess => "assess",
        }
    }
}

/// The status after `action`, or `Err(current)` if not allowed now.
pub fn transition(current: PlanStatus, action: PlanAction) -> Result<PlanStatus, PlanStatus> {
    use PlanAction as A;
    use PlanStatus as S;
    match (current, action) {
        (S::Draft | S::Returned, A::Edit) => Ok(current),
        (S::Filed | S::Acknowledged, A::Edit) => Ok(S::Filed),
        (S::Draft | S::Returned, A::File) => Ok(S::Filed),
        (S::Filed, A::Acknowledge) => Ok(S::Acknowledged),
        (S::Filed, A::Return) => Ok(S::Returned),
        (S::Draft | S::Returned, A::ChangeCandidates) => Ok(current),
        (S::Acknowledged, A::Assess) => Ok(current),
        _ => Err(current),
    }
}

/// Why a plan cannot be cancelled by whoever asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRefusal {
    /// Cancelled already.
    AlreadyCancelled,
    /// The school asks on or after the day of the first session (`first`): only the centre may
    /// call off a plan under way.
    Underway { first: NaiveDate },
    /// Certificates were issued from it: they are revoked one by one, the plan stays.
    CertificatesIssued,
}

/// Whether a plan may be cancelled on `today`, by the centre (`by_centre`) or by its school:
/// the school until the day before its first session (`first`, when it has sessions), the
/// centre until a certificate is issued from it.
pub fn may_cancel(
    status: PlanStatus,
    by_centre: bool,
    today: NaiveDate,
    first: Option<NaiveDate>,
    issued: bool,
) -> Result<(), CancelRefusal> {
    if status == PlanStatus::Cancelled {
        return Err(CancelRefusal::AlreadyCancelled);
    }
    if issued {
        return Err(CancelRefusal::CertificatesIssued);
    }
    match first {
        Some(first) if !by_centre && today >= first => Err(CancelRefusal::Underway { first }),
        _ => Ok(()),
    }
}

/// Where a plan's results stand (notice 四(二)–(四)): assessed, published for 5 working days
/// (R21), reported to the centre (R23), and reviewed by it (approved, or returned for
/// correction), after which certificates are issued (R24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanPhase {
    /// Sessions held, results being recorded.
    Assessment,
    /// Results published for objections (R21, R22).
    Publicity,
    /// Reported to the centre, awaiting its review (R23).
    Reported,
    /// Returned by the centre for correction; corrected results are reported again.
    ReviewReturned,
    /// Approved by the centre: certificates may be issued (R24).
    Reviewed,
}

impl PlanPhase {
    /// Every phase.
    pub const ALL: [PlanPhase; 5] = [
        PlanPhase::Assessment,
        PlanPhase::Publicity,
        PlanPhase::Reported,
        PlanPhase::ReviewReturned,
        PlanPhase::Reviewed,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            PlanPhase::Assessment => "assessment",
            PlanPhase::Publicity => "publicity",
            PlanPhase::Reported => "reported",
            PlanPhase::ReviewReturned => "review_returned",
            PlanPhase::Reviewed => "reviewed",
        }
    }

    /// Parses a stable code.
    pub fn from_code(s: &str) -> Option<PlanPhase> {
        PlanPhase::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A step of the results' procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsAction {
    /// Change the plan itself: only before results are published.
    EditPlan,
    /// Record or correct results: during assessment, or after the centre returned them.
    Record,
    /// Publish the results (R21).
    StartPublicity,
    /// Publish again the results changed since the publicity started (R21): during the
    /// publicity (an upheld objection) or after the centre returned them.
    Republish,
    /// Lodge or answer an objection (R22): only during publicity.
    Object,
    /// Report the results to the centre (R23): after publicity, or again after a return.
    Report,
    /// The centre approves the reported results.
    Approve,
    /// The centre returns the reported results for correction.
    ReturnForCorrection,
    /// Issue certificates (R24): only once reviewed.
    Issue,
}

impl ResultsAction {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            ResultsAction::EditPlan => "edit",
            ResultsAction::Record => "record",
            ResultsAction::StartPublicity => "start_publicity",
            ResultsAction::Republish => "republish",
            ResultsAction::Object => "object",
            ResultsAction::Report => "report",
            ResultsAction::Approve => "approve",
            ResultsAction::ReturnForCorrection => "return",
            ResultsAction::Issue => "issue",
        }
    }
}

/// The phase after `action`, or `Err(current)` if not allowed now.
pub fn phase_transition(current: PlanPhase, action: ResultsAction) -> Result<PlanPhase, PlanPhase> {
    use PlanPhase as P;
    use ResultsAction as A;
    match (current, action) {
        (P::Assessment, A::EditPlan) => Ok(current),
        (P::Assessment | P::ReviewReturned, A::Record) => Ok(current),
        (P::Assessment, A::StartPublicity) => Ok(P::Publicity),
        (P::Publicity | P::ReviewReturned, A::Republish) => Ok(P::Publicity),
        (P::Publicity, A::Object) => Ok(current),
        (P::Publicity | P::ReviewReturned, A::Report) => Ok(P::Reported),
        (P::Reported, A::Approve) => Ok(P::Reviewed),
        (P::Reported, A::ReturnForCorrection) => Ok(P::ReviewReturned),
        (P::Reviewed, A::Issue) => Ok(current),
        _ => Err(current),
    }
}

/// R17: sessions held earlier than the 10th working day after the filing date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooSoon {
    /// The earliest allowed session date.
    pub earliest: NaiveDate,
    /// Indexes of the sessions that are too soon.
    pub sessions: Vec<usize>,
    /// Years without a published arrangement that the computation crossed.
    pub unpublished_years: Vec<i32>,
}

/// Checks R17 for the sessions `dates` (only those marked `changed` when re-filing a change).
pub fn check_notice(
    calendar: &Calendar,
    filed_on: NaiveDate,
    dates: &[(NaiveDate, bool)],
) -> Result<Vec<i32>, TooSoon> {
    let Some(earliest) = calendar.add_working_days(filed_on, NOTICE_WORKING_DAYS) else {
        return Ok(Vec::new());
    };
    let sessions: Vec<usize> = dates
        .iter()
        .enumerate()
        .filter(|(_, (d, changed))| *changed && *d < earliest.value)
        .map(|(i, _)| i)
        .collect();
    if sessions.is_empty() {
        Ok(earliest.unpublished_years)
    } else {
        Err(TooSoon { earliest: earliest.value, sessions, unpublished_years: earliest.unpublished_years })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_school_cancels_before_its_first_session_the_centre_until_issuance() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap_or_default();
        let first = Some(day("2026-12-15"));
        assert_eq!(may_cancel(PlanStatus::Filed, false, day("2026-12-14"), first, false), Ok(()));
        assert_eq!(
            may_cancel(PlanStatus::Filed, false, day("2026-12-15"), first, false),
            Err(CancelRefusal::Underway { first: day("2026-12-15") })
        );
        assert_eq!(may_cancel(PlanStatus::Acknowledged, true, day("2026-12-20"), first, false), Ok(()));
        assert_eq!(
            may_cancel(PlanStatus::Acknowledged, true, day("2026-12-20"), first, true),
            Err(CancelRefusal::CertificatesIssued)
        );
        assert_eq!(
            may_cancel(PlanStatus::Cancelled, true, day("2026-12-01"), first, false),
            Err(CancelRefusal::AlreadyCancelled)
        );
        assert_eq!(may_cancel(PlanStatus::Draft, false, day("2026-12-01"), None, false), Ok(()));
    }
    use crate::calendar::DayKind;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn r17_sessions_must_be_ten_working_days_after_filing() {
        let mut days: Vec<(NaiveDate, DayKind)> =
            (1..=7).map(|x| (d(2024, 10, x), DayKind::Holiday)).collect();
        days.push((d(2024, 9, 29), DayKind::Workday));
        days.push((d(2024, 10, 12), DayKind::Workday));
        let cal = Calendar::new(days, [2024]);
        let filed = d(2024, 9, 27);
        let err = check_notice(&cal, filed, &[(d(2024, 10, 15), true), (d(2024, 10, 20), true)])
            .expect_err("too soon");
        assert_eq!((err.earliest, err.sessions), (d(2024, 10, 16), vec![0]));
        assert!(check_notice(&cal, filed, &[(d(2024, 10, 16), true)]).is_ok());
        // An unchanged session of a re-filed plan is not checked again.
        assert!(check_notice(&cal, filed, &[(d(2024, 10, 15), false)]).is_ok());
    }

    #[test]
    fn results_go_through_publicity_report_and_review_in_order() {
        use PlanPhase as P;
        use ResultsAction as A;
        let mut phase = P::Assessment;
        for (action, next) in [
            (A::Record, P::Assessment),
            (A::StartPublicity, P::Publicity),
            (A::Object, P::Publicity),
            (A::Report, P::Reported),
            (A::ReturnForCorrection, P::ReviewReturned),
            (A::Record, P::ReviewReturned),
            (A::Republish, P::Publicity),
            (A::Republish, P::Publicity),
            (A::Report, P::Reported),
            (A::Approve, P::Reviewed),
            (A::Issue, P::Reviewed),
        ] {
            phase = phase_transition(phase, action).expect("allowed");
            assert_eq!(phase, next, "after {action:?}");
        }
        // Nothing is skipped or done twice.
        assert_eq!(phase_transition(P::Assessment, A::Report), Err(P::Assessment));
        assert_eq!(phase_transition(P::Assessment, A::Issue), Err(P::Assessment));
        assert_eq!(phase_transition(P::Publicity, A::Record), Err(P::Publicity));
        assert_eq!(phase_transition(P::Publicity, A::EditPlan), Err(P::Publicity));
        assert_eq!(phase_transition(P::Reported, A::Object), Err(P::Reported));
        assert_eq!(phase_transition(P::Reviewed, A::Approve), Err(P::Reviewed));
        assert_eq!(phase_transition(P::ReviewReturned, A::StartPublicity), Err(P::ReviewReturned));
        assert_eq!(phase_transition(P::Assessment, A::Republish), Err(P::Assessment));
        assert_eq!(phase_transition(P::Reported, A::Republish), Err(P::Reported));
        for p in PlanPhase::ALL {
            assert_eq!(PlanPhase::from_code(p.code()), Some(p));
        }
    }

    #[test]
    fn candidates_change_before_filing_and_results_follow_acknowledgement() {
        use PlanAction as A;
        use PlanStatus as S;
        for s in [S::Draft, S::Returned] {
            assert_eq!(transition(s, A::ChangeCandidates), Ok(s));
            assert_eq!(transition(s, A::Assess), Err(s));
        }
        for s in [S::Filed, S::Acknowledged] {
            assert_eq!(transition(s, A::ChangeCandidates), Err(s));
        }
        assert_eq!(transition(S::Acknowledged, A::Assess), Ok(S::Acknowledged));
        assert_eq!(transition(S::Filed, A::Assess), Err(S::Filed));
    }

    #[test]
    fn the_plan_workflow() {
        assert_eq!(transition(PlanStatus::Draft, PlanAction::File), Ok(PlanStatus::Filed));
        assert_eq!(transition(PlanStatus::Filed, PlanAction::Acknowledge), Ok(PlanStatus::Acknowledged));
        assert_eq!(transition(PlanStatus::Acknowledged, PlanAction::Edit), Ok(PlanStatus::Filed));
        assert_eq!(transition(PlanStatus::Draft, PlanAction::Acknowledge), Err(PlanStatus::Draft));
        assert_eq!(transition(PlanStatus::Filed, PlanAction::Return), Ok(PlanStatus::Returned));
        for s in PlanStatus::ALL {
            assert_eq!(PlanStatus::from_code(s.code()), Some(s));
        }
    }
}
