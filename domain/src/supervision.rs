//! Supervision rules (通知 五、六): the reproducible double-random draw (R36), the integrity score
//! and grade (R37), and the complaint workflow (R35). The algorithms are written out in
//! `docs/SUPERVISION.md` so that anyone can check a published draw or score without skillcert.

use sha2::{Digest, Sha256};

/// A deterministic stream of random numbers from a published seed: block `i` (from 0) is
/// `SHA-256(seed ":" i)` with `i` in decimal, and each number is the block's first 8 bytes read
/// as a big-endian unsigned integer.
#[derive(Debug, Clone)]
pub struct SeededStream {
    seed: String,
    counter: u64,
}

impl SeededStream {
    /// A stream at its start.
    pub fn new(seed: &str) -> SeededStream {
        SeededStream { seed: seed.to_owned(), counter: 0 }
    }

    /// The next 64-bit number.
    pub fn next_u64(&mut self) -> u64 {
        let digest = Sha256::digest(format!("{}:{}", self.seed, self.counter).as_bytes());
        self.counter += 1;
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }

    /// A uniform number in `0..n` (`n > 0`), by rejection: numbers at or above the largest
    /// multiple of `n` are skipped so that no index is favoured.
    pub fn below(&mut self, n: u64) -> u64 {
        let n = n.max(1);
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }

    /// Draws `k` of `items` without replacement, in draw order: a partial Fisher–Yates shuffle
    /// (for `i` in `0..k`, swap `i` with `i + below(len - i)`).
    pub fn sample<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut v = items.to_vec();
        let k = k.min(v.len());
        for i in 0..k {
            let j = i + self.below((v.len() - i) as u64) as usize;
            v.swap(i, j);
        }
        v.truncate(k);
        v
    }
}

/// An inspector of the pool, as the draw sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMember<Id> {
    pub id: Id,
    /// The school that employs them, if any: they are never drawn for its institution.
    pub employer: Option<Id>,
}

/// A population member: an institution and the school that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<Id> {
    pub id: Id,
    pub school: Id,
}

/// One drawn institution with its inspectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn<Id> {
    pub institution: Id,
    pub inspectors: Vec<Id>,
}

/// Why a draw cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError<Id> {
    #[error("too few eligible inspectors for an institution")]
    TooFewInspectors { institution: Id, eligible: usize },
}

/// The double-random draw (双随机): first `sample_size` institutions from `population`, then for
/// each drawn institution in draw order `per_institution` inspectors from those of `pool` not
/// employed by its school. One stream serves both draws. Callers pass `population` and `pool` in
/// a published order (institutions by code, inspectors by id), so the same seed gives the same
/// draw.
pub fn draw<Id: Clone + PartialEq>(
    seed: &str,
    population: &[Candidate<Id>],
    pool: &[PoolMember<Id>],
    sample_size: usize,
    per_institution: usize,
) -> Result<Vec<Drawn<Id>>, DrawError<Id>> {
    let mut stream = SeededStream::new(seed);
    let chosen = stream.sample(population, sample_size);
    let mut out = Vec::with_capacity(chosen.len());
    for c in chosen {
        let eligible: Vec<Id> =
            pool.iter().filter(|m| m.employer.as_ref() != Some(&c.school)).map(|m| m.id.clone()).collect();
        if eligible.len() < per_institution {
            return Err(DrawError::TooFewInspectors { institution: c.id, eligible: eligible.len() });
        }
        let inspectors = stream.sample(&eligible, per_institution);
        out.push(Drawn { institution: c.id, inspectors });
    }
    Ok(out)
}

/// Inspection outcomes.
pub const INSPECTION_RESULTS: [&str; 3] = ["pass", "rectify", "fail"];

/// Sanctions of a violation; suspension and cancellation act through the institution lifecycle.
pub const SANCTIONS: [&str; 4] = ["none", "warning", "suspension", "cancellation"];

/// What an integrity score is computed from, for one institution and one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RatingInputs {
    pub inspections_passed: u32,
    pub inspections_rectify: u32,
    pub inspections_failed: u32,
    pub complaints_upheld: u32,
    pub violations_without_sanction: u32,
    pub warnings: u32,
    pub suspensions: u32,
    pub cancellations: u32,
    /// Result reports (R22) the centre returned.
    pub reports_returned: u32,
    /// Batches whose certificate data reached the centre (R30) more than
    /// [`LATE_REPORT_DAYS`] days after the first certificate, or had not by then.
    pub reports_late: u32,
}

/// Days after the first certificate of a batch within which its data must reach the centre.
pub const LATE_REPORT_DAYS: i64 = 30;

/// Points deducted per input (the formula in `docs/SUPERVISION.md`).
pub const DEDUCTIONS: [(&str, i32); 9] = [
    ("inspections_rectify", 10),
    ("inspections_failed", 20),
    ("complaints_upheld", 10),
    ("violations_without_sanction", 5),
    ("warnings", 10),
    ("suspensions", 30),
    ("cancellations", 60),
    ("reports_returned", 5),
    ("reports_late", 5),
];

/// The largest adjustment the bureau may make, either way.
pub const MAX_ADJUSTMENT: i32 = 20;

impl RatingInputs {
    /// 100 minus the deductions, never below 0.
    pub fn score(&self) -> i32 {
        let counts = [
            self.inspections_rectify,
            self.inspections_failed,
            self.complaints_upheld,
            self.violations_without_sanction,
            self.warnings,
            self.suspensions,
            self.cancellations,
            self.reports_returned,
            self.reports_late,
        ];
        let deducted: i64 =
            counts.iter().zip(DEDUCTIONS.iter()).map(|(n, (_, pts))| i64::from(*n) * i64::from(*pts)).sum();
        (100 - deducted).clamp(0, 100) as i32
    }
}

/// The final score after an adjustment, kept within 0–100.
pub fn adjusted(computed: i32, adjustment: i32) -> i32 {
    (computed + adjustment).clamp(0, 100)
}

/// The grade of a score: A (诚信) ≥ 90, B (较好) ≥ 75, C (一般) ≥ 60, D (失信) below.
pub fn grade(score: i32) -> &'static str {
    match score {
        90.. => "A",
        75..=89 => "B",
        60..=74 => "C",
        _ => "D",
    }
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintStatus {
    /// Filed, waiting for triage.
    Received,
    /// Assigned to the centre or a district, under investigation.
    Assigned,
    /// Concluded with an outcome.
    Closed,
}

impl ComplaintStatus {
    pub const ALL: [ComplaintStatus; 3] =
        [ComplaintStatus::Received, ComplaintStatus::Assigned, ComplaintStatus::Closed];

    pub fn code(self) -> &'static str {
        match self {
            ComplaintStatus::Received => "received",
            ComplaintStatus::Assigned => "assigned",
            ComplaintStatus::Closed => "closed",
        }
    }

    pub fn from_code(s: &str) -> Option<ComplaintStatus> {
        ComplaintStatus::ALL.into_iter().find(|c| c.code() == s)
    }

    /// Open: received or under investigation.
    pub fn is_open(self) -> bool {
        self != ComplaintStatus::Closed
    }
}

/// A step in handling a complaint (R35).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintAction {
    /// Assign (or reassign) to the centre or a district, with a deadline.
    Assign,
    /// Add an internal investigation note.
    Note,
    /// Close with the outcome.
    Close,
}

impl ComplaintAction {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            ComplaintAction::Assign => "assign",
            ComplaintAction::Note => "note",
            ComplaintAction::Close => "close",
        }
    }
}

/// The status after `action`, or `Err(current)`: assignment until the complaint is closed,
/// notes and the outcome only while it is assigned.
pub fn complaint_transition(
    current: ComplaintStatus,
    action: ComplaintAction,
) -> Result<ComplaintStatus, ComplaintStatus> {
    use ComplaintAction as A;
    use ComplaintStatus as S;
    match (current, action) {
        (S::Received | S::Assigned, A::Assign) => Ok(S::Assigned),
        (S::Assigned, A::Note) => Ok(S::Assigned),
        (S::Assigned, A::Close) => Ok(S::Closed),
        _ => Err(current),
    }
}

/// Working days for triage after a complaint is received.
pub const TRIAGE_WORKING_DAYS: u32 = 5;
/// Default working days for the investigation after assignment.
pub const INVESTIGATION_WORKING_DAYS: u32 = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r35_a_complaint_is_assigned_investigated_and_closed_once() {
        use ComplaintAction as A;
        use ComplaintStatus as S;
        assert_eq!(complaint_transition(S::Received, A::Assign), Ok(S::Assigned));
        assert_eq!(complaint_transition(S::Assigned, A::Assign), Ok(S::Assigned), "reassigned");
        assert_eq!(complaint_transition(S::Assigned, A::Note), Ok(S::Assigned));
        assert_eq!(complaint_transition(S::Assigned, A::Close), Ok(S::Closed));
        assert_eq!(complaint_transition(S::Received, A::Note), Err(S::Received));
        assert_eq!(complaint_transition(S::Received, A::Close), Err(S::Received));
        for a in [A::Assign, A::Note, A::Close] {
            assert_eq!(complaint_transition(S::Closed, a), Err(S::Closed));
        }
        assert!(S::Received.is_open() && S::Assigned.is_open() && !S::Closed.is_open());
    }
    use proptest::prelude::*;

    fn population(n: u32) -> Vec<Candidate<u32>> {
        (0..n).map(|i| Candidate { id: i, school: 1000 + i }).collect()
    }

    #[test]
    fn the_stream_is_sha256_of_seed_and_counter() {
        // First 8 bytes of SHA-256("abc:0"), computed independently with `sha256sum`.
        let mut s = SeededStream::new("abc");
        let expected = {
            let d = Sha256::digest(b"abc:0");
            u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
        };
        assert_eq!(s.next_u64(), expected);
    }

    #[test]
    fn r36_an_inspector_is_never_drawn_for_the_school_that_employs_them() {
        let pop = population(3);
        // Inspector 7 works at school 1000, inspector 8 at 1001, inspector 9 is independent.
        let pool = vec![
            PoolMember { id: 7, employer: Some(1000) },
            PoolMember { id: 8, employer: Some(1001) },
            PoolMember { id: 9, employer: None },
        ];
        for seed in ["a", "b", "c", "d", "e", "f", "g"] {
            let d = draw(seed, &pop, &pool, 3, 2).expect("draw");
            for x in &d {
                let school = 1000 + x.institution;
                for i in &x.inspectors {
                    let m = pool.iter().find(|m| m.id == *i).expect("member");
                    assert_ne!(m.employer, Some(school));
                }
            }
        }
        let err = draw("a", &pop, &pool[..2], 3, 2).expect_err("too few");
        assert!(matches!(err, DrawError::TooFewInspectors { eligible: 1, .. }));
    }

    #[test]
    fn grades_and_deductions() {
        assert_eq!(RatingInputs::default().score(), 100);
        let i = RatingInputs { inspections_failed: 1, complaints_upheld: 1, ..Default::default() };
        assert_eq!(i.score(), 70);
        assert_eq!(grade(i.score()), "C");
        assert_eq!(grade(90), "A");
        assert_eq!(grade(89), "B");
        assert_eq!(grade(59), "D");
        assert_eq!(RatingInputs { cancellations: 3, ..Default::default() }.score(), 0);
        assert_eq!(adjusted(95, 20), 100);
    }

    proptest! {
        #[test]
        fn r36_the_same_seed_draws_the_same(seed in "[a-z0-9]{1,32}", n in 1u32..60, k in 0usize..70) {
            let pop = population(n);
            let pool: Vec<PoolMember<u32>> = (0..5).map(|i| PoolMember { id: 5000 + i, employer: None }).collect();
            let a = draw(&seed, &pop, &pool, k, 2).expect("draw");
            let b = draw(&seed, &pop, &pool, k, 2).expect("draw");
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(a.len(), k.min(n as usize));
            let mut ids: Vec<u32> = a.iter().map(|d| d.institution).collect();
            ids.sort_unstable();
            ids.dedup();
            prop_assert_eq!(ids.len(), a.len(), "no institution twice");
        }
    }
}
