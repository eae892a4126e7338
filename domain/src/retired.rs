//! The retired-code store (注销编码库, R10, R13, R14). Every filing code ever assigned is kept in
//! a registry, and a code leaves service only by retirement:
//!
//! - a code is assigned once: a code (or its serial) the registry has seen is never assigned
//!   again, retired or not (R10);
//! - a cancelled institution's code is retired at once (R13);
//! - a merger retires every merged institution's code, naming the successor, which is a new code
//!   and never one of the merged (R14);
//! - a retirement is final: a retired code is not retired again, restored or reassigned.
//!
//! [`CodeRegistry`] states these rules over plain values; `persistence` keeps the same registry in
//! `institution_codes` (primary key on the code, unique serial, a serial counter that only grows,
//! and triggers that refuse deleting a code or changing a retirement), and the api asks this
//! module what a cancellation or a merger retires.

use crate::code::InstitutionCode;
use std::collections::BTreeMap;

/// Why a code was retired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retirement {
    /// The institution was cancelled (R13), for this reason.
    Cancelled { reason: String },
    /// The institution was merged into the institution of `successor` (R14).
    Merged { successor: InstitutionCode },
}

impl Retirement {
    /// The reason as stored.
    pub fn reason(&self) -> &str {
        match self {
            Retirement::Cancelled { reason } => reason,
            Retirement::Merged { .. } => "merger",
        }
    }

    /// The code that continues the retired one, if any.
    pub fn successor(&self) -> Option<InstitutionCode> {
        match self {
            Retirement::Cancelled { .. } => None,
            Retirement::Merged { successor } => Some(*successor),
        }
    }
}

/// A rule of the store broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetiredCodeError {
    /// The code was assigned before (R10): codes are never reused.
    AlreadyAssigned(InstitutionCode),
    /// The code is retired; it stays so.
    Retired(InstitutionCode),
    /// The code was never assigned.
    Unknown(InstitutionCode),
    /// A merger must name a new code as successor, not one it retires.
    SuccessorMerged(InstitutionCode),
}

/// What a cancellation retires: the institution's code, at once (R13).
pub fn on_cancellation(code: InstitutionCode, reason: &str) -> (InstitutionCode, Retirement) {
    (code, Retirement::Cancelled { reason: reason.to_owned() })
}

/// What a merger retires: every merged code, naming the successor (R14).
pub fn on_merger(
    merged: &[InstitutionCode],
    successor: InstitutionCode,
) -> Result<Vec<(InstitutionCode, Retirement)>, RetiredCodeError> {
    if merged.contains(&successor) {
        return Err(RetiredCodeError::SuccessorMerged(successor));
    }
    Ok(merged.iter().map(|c| (*c, Retirement::Merged { successor })).collect())
}

/// The registry of every code ever assigned, with the retired ones.
#[derive(Debug, Clone, Default)]
pub struct CodeRegistry {
    codes: BTreeMap<InstitutionCode, Option<Retirement>>,
}

impl CodeRegistry {
    /// An empty registry.
    pub fn new() -> CodeRegistry {
        CodeRegistry::default()
    }

    /// Assigns `code` to a new institution: only a code never seen before.
    pub fn assign(&mut self, code: InstitutionCode) -> Result<(), RetiredCodeError> {
        match self.codes.get(&code) {
            Some(Some(_)) => Err(RetiredCodeError::Retired(code)),
            Some(None) => Err(RetiredCodeError::AlreadyAssigned(code)),
            None => {
                self.codes.insert(code, None);
                Ok(())
            }
        }
    }

    /// Retires an assigned code, once.
    pub fn retire(&mut self, code: InstitutionCode, why: Retirement) -> Result<(), RetiredCodeError> {
        match self.codes.get_mut(&code) {
            None => Err(RetiredCodeError::Unknown(code)),
            Some(Some(_)) => Err(RetiredCodeError::Retired(code)),
            Some(slot) => {
                *slot = Some(why);
                Ok(())
            }
        }
    }

    /// Why `code` was retired, if it was.
    pub fn retirement(&self, code: InstitutionCode) -> Option<&Retirement> {
        self.codes.get(&code).and_then(Option::as_ref)
    }

    /// Whether `code` was ever assigned.
    pub fn knows(&self, code: InstitutionCode) -> bool {
        self.codes.contains_key(&code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Serial;

    fn code(n: u32) -> InstitutionCode {
        InstitutionCode::from_serial(Serial::new(n).expect("serial"))
    }

    #[test]
    fn r10_a_code_is_assigned_once_and_a_retired_code_is_never_reassigned() {
        let mut r = CodeRegistry::new();
        r.assign(code(1)).expect("new code");
        assert_eq!(r.assign(code(1)), Err(RetiredCodeError::AlreadyAssigned(code(1))));
        let (c, why) = on_cancellation(code(1), "violation");
        r.retire(c, why).expect("retired");
        assert_eq!(r.assign(code(1)), Err(RetiredCodeError::Retired(code(1))));
        assert!(r.knows(code(1)) && !r.knows(code(2)));
    }

    #[test]
    fn r13_cancellation_retires_at_once_and_for_good() {
        let mut r = CodeRegistry::new();
        r.assign(code(7)).expect("new code");
        let (c, why) = on_cancellation(code(7), "吊销");
        r.retire(c, why.clone()).expect("retired");
        assert_eq!(r.retirement(code(7)), Some(&why));
        assert_eq!(why.reason(), "吊销");
        assert_eq!(why.successor(), None);
        // A retirement is final: not retired again (the first reason stays).
        let (c, again) = on_cancellation(code(7), "other");
        assert_eq!(r.retire(c, again), Err(RetiredCodeError::Retired(code(7))));
        assert_eq!(r.retirement(code(7)), Some(&why));
        assert_eq!(r.retire(code(8), why), Err(RetiredCodeError::Unknown(code(8))));
    }

    #[test]
    fn r14_a_merger_retires_the_merged_codes_naming_a_new_successor() {
        let mut r = CodeRegistry::new();
        for n in [1, 2, 3] {
            r.assign(code(n)).expect("new code");
        }
        assert_eq!(on_merger(&[code(1), code(2)], code(1)), Err(RetiredCodeError::SuccessorMerged(code(1))));
        let retired = on_merger(&[code(1), code(2)], code(3)).expect("merger");
        assert_eq!(retired.len(), 2);
        for (c, why) in retired {
            assert_eq!(why.successor(), Some(code(3)));
            assert_eq!(why.reason(), "merger");
            r.retire(c, why).expect("retired");
        }
        assert!(r.retirement(code(1)).is_some() && r.retirement(code(2)).is_some());
        assert_eq!(r.retirement(code(3)), None, "the successor stays in service");
        assert_eq!(r.assign(code(2)), Err(RetiredCodeError::Retired(code(2))));
    }
}
