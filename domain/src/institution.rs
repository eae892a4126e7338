//! Evaluation institutions (评价机构): status, expiry and what they may do (R12–R14).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The status as stored; `expired` is derived from the validity and today's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredStatus {
    Active,
    Suspended,
    Cancelled,
}

/// The status as it is today (what users see and what rules check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionStatus {
    /// Filed and within its validity.
    Active,
    /// Past its end date and not renewed (R12).
    Expired,
    /// Suspended by the bureau.
    Suspended,
    /// Cancelled; its code is retired (R13).
    Cancelled,
}

impl StoredStatus {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            StoredStatus::Active => "active",
            StoredStatus::Suspended => "suspended",
            StoredStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a stable code.
    pub fn from_code(s: &str) -> Option<StoredStatus> {
        [StoredStatus::Active, StoredStatus::Suspended, StoredStatus::Cancelled]
            .into_iter()
            .find(|x| x.code() == s)
    }
}

impl InstitutionStatus {
    /// Every status.
    pub const ALL: [InstitutionStatus; 4] = [
        InstitutionStatus::Active,
        InstitutionStatus::Expired,
        InstitutionStatus::Suspended,
        InstitutionStatus::Cancelled,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            InstitutionStatus::Active => "active",
            InstitutionStatus::Expired => "expired",
            InstitutionStatus::Suspended => "suspended",
            InstitutionStatus::Cancelled => "cancelled",
        }
    }

    /// Today's status from the stored one and the validity (the end date is the last valid day).
    pub fn on(stored: StoredStatus, valid_until: NaiveDate, today: NaiveDate) -> InstitutionStatus {
        match stored {
            StoredStatus::Cancelled => InstitutionStatus::Cancelled,
            StoredStatus::Suspended => InstitutionStatus::Suspended,
            StoredStatus::Active if today > valid_until => InstitutionStatus::Expired,
            StoredStatus::Active => InstitutionStatus::Active,
        }
    }

    /// R12: only an active institution may file plans or issue certificates.
    pub fn may_act(self) -> Result<(), InstitutionStatus> {
        if self == InstitutionStatus::Active { Ok(()) } else { Err(self) }
    }
}

/// A lifecycle action of the bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleAction {
    Suspend,
    Reinstate,
    Cancel,
    Renew,
    Merge,
    /// An approved change filing (变更备案): the status stays.
    Change,
}

/// The stored status after a lifecycle action, or the status that forbids it.
pub fn lifecycle(
    current: InstitutionStatus,
    action: LifecycleAction,
) -> Result<StoredStatus, InstitutionStatus> {
    use InstitutionStatus as S;
    use LifecycleAction as A;
    match (current, action) {
        (S::Active | S::Expired, A::Suspend) => Ok(StoredStatus::Suspended),
        (S::Suspended, A::Reinstate) => Ok(StoredStatus::Active),
        (S::Active | S::Expired | S::Suspended, A::Cancel | A::Merge) => Ok(StoredStatus::Cancelled),
        (S::Active | S::Expired, A::Renew) => Ok(StoredStatus::Active),
        (S::Active, A::Change) => Ok(StoredStatus::Active),
        (S::Suspended, A::Change) => Ok(StoredStatus::Suspended),
        _ => Err(current),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).expect("date")
    }

    // R12
    #[test]
    fn r12_an_institution_past_its_end_date_is_expired_and_cannot_act() {
        let end = d(2029, 11, 28);
        assert_eq!(
            InstitutionStatus::on(StoredStatus::Active, end, d(2029, 11, 28)),
            InstitutionStatus::Active
        );
        let s = InstitutionStatus::on(StoredStatus::Active, end, d(2029, 11, 29));
        assert_eq!(s, InstitutionStatus::Expired);
        assert_eq!(s.may_act(), Err(InstitutionStatus::Expired));
        assert!(InstitutionStatus::on(StoredStatus::Suspended, end, d(2027, 1, 1)).may_act().is_err());
        assert!(InstitutionStatus::on(StoredStatus::Cancelled, end, d(2027, 1, 1)).may_act().is_err());
    }

    // R13: a cancelled institution is never revived.
    #[test]
    fn r13_cancellation_is_final() {
        for a in [
            LifecycleAction::Suspend,
            LifecycleAction::Reinstate,
            LifecycleAction::Renew,
            LifecycleAction::Cancel,
            LifecycleAction::Merge,
            LifecycleAction::Change,
        ] {
            assert_eq!(lifecycle(InstitutionStatus::Cancelled, a), Err(InstitutionStatus::Cancelled));
        }
        assert_eq!(
            lifecycle(InstitutionStatus::Active, LifecycleAction::Cancel),
            Ok(StoredStatus::Cancelled)
        );
        assert_eq!(
            lifecycle(InstitutionStatus::Suspended, LifecycleAction::Reinstate),
            Ok(StoredStatus::Active)
        );
        assert_eq!(lifecycle(InstitutionStatus::Expired, LifecycleAction::Renew), Ok(StoredStatus::Active));
        assert!(lifecycle(InstitutionStatus::Suspended, LifecycleAction::Renew).is_err());
    }

    // Issue 26, point 3: a change filing keeps the status; an expired institution renews instead.
    #[test]
    fn a_change_keeps_the_status_and_needs_a_validity() {
        assert_eq!(lifecycle(InstitutionStatus::Active, LifecycleAction::Change), Ok(StoredStatus::Active));
        assert_eq!(
            lifecycle(InstitutionStatus::Suspended, LifecycleAction::Change),
            Ok(StoredStatus::Suspended)
        );
        assert_eq!(
            lifecycle(InstitutionStatus::Expired, LifecycleAction::Change),
            Err(InstitutionStatus::Expired)
        );
    }
}
