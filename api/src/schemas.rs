//! Contract-only schemas for the stable codes of enumerations, so that the OpenAPI document lists
//! their allowed values. The values themselves come from `domain`; a test checks they agree.

use utoipa::ToSchema;

/// Stable role code; the display name comes alongside as `role_name`.
#[derive(ToSchema)]
#[schema(as = RoleCode)]
#[expect(non_camel_case_types, reason = "documents the wire values only")]
pub enum RoleCodeSchema {
    bureau,
    centre,
    district,
    school,
    expert,
}

/// Stable level code (the digit of position 16 of a certificate code); the display name comes
/// alongside as `level_name`.
#[derive(ToSchema)]
#[schema(as = LevelCode)]
pub enum LevelCodeSchema {
    #[schema(rename = "3")]
    Three,
    #[schema(rename = "4")]
    Four,
    #[schema(rename = "5")]
    Five,
    #[schema(rename = "9")]
    Nine,
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    fn values(schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>) -> Vec<String> {
        let json = serde_json::to_value(schema).expect("schema serialises");
        json["enum"]
            .as_array()
            .expect("an enum")
            .iter()
            .map(|v| v.as_str().expect("string").to_owned())
            .collect()
    }

    #[test]
    fn contract_enums_match_the_domain() {
        let roles: Vec<String> = domain::Role::ALL.iter().map(|r| r.code().to_owned()).collect();
        assert_eq!(values(super::RoleCodeSchema::schema()), roles);
        let levels: Vec<String> = domain::Level::ALL.iter().map(|l| l.code().to_owned()).collect();
        assert_eq!(values(super::LevelCodeSchema::schema()), levels);
    }
}
