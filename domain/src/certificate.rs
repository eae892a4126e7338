//! Certificates (notice Annex 5): what a certificate states, and the canonical form that is
//! signed so that anyone holding the public key can check it was not altered.

use chrono::NaiveDate;

/// The statements of a certificate (R29), as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    pub code: &'a str,
    pub holder_name: &'a str,
    pub gender: &'a str,
    /// The full ID number is part of the signed statement; it is never published.
    pub id_number: &'a str,
    pub occupation_code: &'a str,
    pub occupation_name: &'a str,
    /// `——` when there is no work type.
    pub work_type: &'a str,
    pub level: &'a str,
    /// Exactly the institution's filed name (R39).
    pub institution_name: &'a str,
    pub issue_date: NaiveDate,
}

impl Statement<'_> {
    /// The canonical serialisation: UTF-8 lines `key=value` in this fixed order under a version
    /// line, newline-terminated. Values cannot contain line breaks (names are single-line text).
    pub fn canonical(&self) -> String {
        format!(
            "skillcert-certificate-v1\ncode={}\nholder_name={}\ngender={}\nid_number={}\noccupation_code={}\noccupation_name={}\nwork_type={}\nlevel={}\ninstitution_name={}\nissue_date={}\n",
            self.code,
            self.holder_name,
            self.gender,
            self.id_number,
            self.occupation_code,
            self.occupation_name,
            self.work_type,
            self.level,
            self.institution_name,
            self.issue_date.format("%Y-%m-%d"),
        )
    }
}

/// The work type as printed: the name, or `——` when there is none (Annex 5).
pub fn printed_work_type(work_type: &str) -> &str {
    if work_type.trim().is_empty() { "——" } else { work_type }
}

/// Where a certificate stands (R28): a code, once issued, is never given to another certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateStatus {
    /// Issued and in force.
    Valid,
    /// Revoked with a reason; verification shows the revocation.
    Revoked,
    /// Replaced by a reissued certificate with a new code; verification names the new code.
    Superseded,
}

impl CertificateStatus {
    /// Every status.
    pub const ALL: [CertificateStatus; 3] =
        [CertificateStatus::Valid, CertificateStatus::Revoked, CertificateStatus::Superseded];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Revoked => "revoked",
            CertificateStatus::Superseded => "superseded",
        }
    }

    /// Parses a stable code.
    pub fn from_code(s: &str) -> Option<CertificateStatus> {
        CertificateStatus::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// What may happen to an issued certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateAction {
    Revoke,
    /// Correct it: a new certificate supersedes it.
    Reissue,
}

/// The status after `action`, or `Err(current)`: only a valid certificate is revoked or
/// reissued, and a revoked or superseded one stays so for ever.
pub fn transition(
    current: CertificateStatus,
    action: CertificateAction,
) -> Result<CertificateStatus, CertificateStatus> {
    match (current, action) {
        (CertificateStatus::Valid, CertificateAction::Revoke) => Ok(CertificateStatus::Revoked),
        (CertificateStatus::Valid, CertificateAction::Reissue) => Ok(CertificateStatus::Superseded),
        _ => Err(current),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r28_only_a_valid_certificate_is_revoked_or_reissued_and_never_comes_back() {
        use CertificateAction as A;
        use CertificateStatus as S;
        assert_eq!(transition(S::Valid, A::Revoke), Ok(S::Revoked));
        assert_eq!(transition(S::Valid, A::Reissue), Ok(S::Superseded));
        for s in [S::Revoked, S::Superseded] {
            for a in [A::Revoke, A::Reissue] {
                assert_eq!(transition(s, a), Err(s));
            }
        }
        for s in CertificateStatus::ALL {
            assert_eq!(CertificateStatus::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn r29_the_canonical_form_is_fixed_and_changes_with_any_statement() {
        let s = Statement {
            code: "S000050000001264000001",
            holder_name: "王小明",
            gender: "male",
            id_number: "11010519491231002X",
            occupation_code: "6-18-01-01",
            occupation_name: "车工",
            work_type: printed_work_type(""),
            level: "4",
            institution_name: "重庆市某技工学校",
            issue_date: NaiveDate::from_ymd_opt(2026, 12, 20).expect("date"),
        };
        let c = s.canonical();
        assert!(c.starts_with("skillcert-certificate-v1\ncode=S000050000001264000001\n"));
        assert!(c.contains("work_type=——\n"));
        assert!(c.ends_with("issue_date=2026-12-20\n"));
        let other = Statement { holder_name: "王小朋", ..s.clone() };
        assert_ne!(other.canonical(), c);
    }
}
