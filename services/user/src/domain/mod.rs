//! Pure rules of the user service: what a valid account looks like, password
//! policy and hashing, and the roles' profiles.

pub mod password;
pub mod validation;

use hms_kit::proto::common::Role;

/// Languages with shipped notification templates.
pub const LANGUAGES: [&str; 2] = ["vi", "en"];
pub const DEFAULT_LANGUAGE: &str = "vi";

/// Roles an admin may give an account.
pub fn assignable(role: Role) -> bool {
    !matches!(role, Role::Unspecified | Role::Service)
}

/// Everyone but patients is staff.
pub fn is_staff(role: Role) -> bool {
    role != Role::Patient
}

/// The profile variant a role carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKind {
    Patient,
    Doctor,
    Staff,
    InsuranceProvider,
    None,
}

pub fn profile_kind_for(role: Role) -> ProfileKind {
    match role {
        Role::Patient => ProfileKind::Patient,
        Role::Doctor => ProfileKind::Doctor,
        Role::Nurse | Role::Pharmacist | Role::LabTechnician => ProfileKind::Staff,
        Role::InsuranceProvider => ProfileKind::InsuranceProvider,
        Role::Admin | Role::Service | Role::Unspecified => ProfileKind::None,
    }
}

/// "First Last", or the username when no name is set.
pub fn display_name(first: &str, last: &str, username: &str) -> String {
    let name = format!("{} {}", first.trim(), last.trim());
    let name = name.trim();
    if name.is_empty() { username.to_owned() } else { name.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_fall_back_to_the_username() {
        assert_eq!(display_name("An", "Nguyen", "an"), "An Nguyen");
        assert_eq!(display_name("", " ", "an"), "an");
        assert_eq!(display_name("", "Tran", "t"), "Tran");
    }

    #[test]
    fn roles_map_to_profiles() {
        assert_eq!(profile_kind_for(Role::Nurse), ProfileKind::Staff);
        assert_eq!(profile_kind_for(Role::Admin), ProfileKind::None);
        assert!(!is_staff(Role::Patient));
        assert!(is_staff(Role::Doctor));
    }
}
