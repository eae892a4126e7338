//! The roles of the notice (see the actor table in the domain brief).

use serde::{Deserialize, Serialize};

/// Who a user account acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 市人力社保局: filing decisions, codes, inspections, ratings, accounts.
    Bureau,
    /// 市职业技能鉴定指导中心: plans, reviews, certificate data, statistics.
    Centre,
    /// 区县人力社保部门: supervision of the institutions in one district only (R38).
    District,
    /// 技工院校: applies for filing and, once filed, certifies within its scope.
    School,
    /// 专家: technical evaluation of the filing applications assigned to them.
    Expert,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [Role::Bureau, Role::Centre, Role::District, Role::School, Role::Expert];

    /// The stable code used in the API, tokens and the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::Bureau => "bureau",
            Role::Centre => "centre",
            Role::District => "district",
            Role::School => "school",
            Role::Expert => "expert",
        }
    }

    /// Parses a stable code.
    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    /// Which binding an account of this role needs: a district code, a school, or nothing.
    pub fn binding(self) -> RoleBinding {
        match self {
            Role::District => RoleBinding::District,
            Role::School => RoleBinding::School,
            Role::Bureau | Role::Centre | Role::Expert => RoleBinding::None,
        }
    }
}

/// The scope an account is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleBinding {
    /// Municipal roles and experts are not bound.
    None,
    /// `district` accounts are bound to one Chongqing district code (R38).
    District,
    /// `school` accounts are bound to one school.
    School,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("admin"), None);
        assert_eq!(Role::from_code("Bureau"), None);
    }

    // R38: a district office is bound to its district; a school account to its school.
    #[test]
    fn r38_district_and_school_roles_need_a_binding() {
        assert_eq!(Role::District.binding(), RoleBinding::District);
        assert_eq!(Role::School.binding(), RoleBinding::School);
        assert_eq!(Role::Bureau.binding(), RoleBinding::None);
    }
}
