//! Field rules of accounts and profiles. Every check adds to one
//! [`FieldViolations`] so a client learns all problems at once.

use std::sync::LazyLock;

use hms_kit::error::FieldViolations;
use hms_kit::proto::user::{Profile, profile};
use regex::Regex;

use super::password;
use super::{LANGUAGES, ProfileKind};

static USERNAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Za-z0-9.@+_-]{3,150}$").expect("valid regex"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\+[1-9][0-9]{6,14}$").expect("valid regex"));
const BLOOD_TYPES: [&str; 8] = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"];
const NAME_MAX: usize = 150;
const TEXT_MAX: usize = 2000;

pub fn username(v: &mut FieldViolations, field: &str, value: &str) {
    if value.is_empty() {
        v.add(field, "is required");
    } else if !USERNAME.is_match(value) {
        v.add(field, "must be 3 to 150 letters, digits or . @ + _ -");
    }
}

pub fn email(v: &mut FieldViolations, field: &str, value: &str) {
    if value.is_empty() {
        v.add(field, "is required");
    } else if value.len() > 254 || !email_address::EmailAddress::is_valid(value) || !value.contains('.') {
        v.add(field, "is not a valid email address");
    }
}

pub fn phone(v: &mut FieldViolations, field: &str, value: &str) {
    if !value.is_empty() && !PHONE.is_match(value) {
        v.add(field, "must be in E.164 form, e.g. +84901234567");
    }
}

pub fn new_password(v: &mut FieldViolations, field: &str, value: &str, username: &str, email: &str) {
    if let Some(problem) = password::policy_violation(value, username, email) {
        v.add(field, problem);
    }
}

pub fn name(v: &mut FieldViolations, field: &str, value: &str) {
    max_chars(v, field, value, NAME_MAX);
}

pub fn language(v: &mut FieldViolations, field: &str, value: &str) {
    if !value.is_empty() && !LANGUAGES.contains(&value) {
        v.add(field, "must be \"vi\" or \"en\"");
    }
}

pub fn picture_url(v: &mut FieldViolations, field: &str, value: &str) {
    if !value.is_empty() && (value.len() > 500 || !(value.starts_with("https://") || value.starts_with("http://"))) {
        v.add(field, "must be an http(s) URL of at most 500 characters");
    }
}

fn max_chars(v: &mut FieldViolations, field: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        v.add(field, format!("must have at most {max} characters"));
    }
}

/// Checks a profile's content and that its variant fits the role.
pub fn profile(v: &mut FieldViolations, field: &str, value: &Profile, expected: ProfileKind, today: (i32, i32, i32)) {
    let Some(kind) = &value.kind else { return };
    let actual = match kind {
        profile::Kind::Patient(_) => ProfileKind::Patient,
        profile::Kind::Doctor(_) => ProfileKind::Doctor,
        profile::Kind::Staff(_) => ProfileKind::Staff,
        profile::Kind::InsuranceProvider(_) => ProfileKind::InsuranceProvider,
    };
    if actual != expected {
        v.add(field, "does not match the user's role");
        return;
    }
    match kind {
        profile::Kind::Patient(p) => {
            let f = |name: &str| format!("{field}.patient.{name}");
            if let Some(dob) = &p.date_of_birth {
                if !valid_date(dob) {
                    v.add(f("date_of_birth"), "is not a valid date");
                } else if (dob.year, dob.month, dob.day) > today {
                    v.add(f("date_of_birth"), "must not be in the future");
                }
            }
            if !p.blood_type.is_empty() && !BLOOD_TYPES.contains(&p.blood_type.as_str()) {
                v.add(f("blood_type"), "must be one of A+, A-, B+, B-, AB+, AB-, O+, O-");
            }
            max_chars(v, &f("address"), &p.address, 500);
            max_chars(v, &f("national_id"), &p.national_id, 32);
            max_chars(v, &f("insurance_number"), &p.insurance_number, 64);
            if let Some(contact) = &p.emergency_contact {
                max_chars(v, &f("emergency_contact.name"), &contact.name, NAME_MAX);
                phone(v, &f("emergency_contact.phone_number"), &contact.phone_number);
                max_chars(v, &f("emergency_contact.relationship"), &contact.relationship, 64);
            }
        }
        profile::Kind::Doctor(d) => {
            let f = |name: &str| format!("{field}.doctor.{name}");
            max_chars(v, &f("specialty"), &d.specialty, 100);
            max_chars(v, &f("license_number"), &d.license_number, 64);
            if !(0..=80).contains(&d.years_of_experience) {
                v.add(f("years_of_experience"), "must be between 0 and 80");
            }
            max_chars(v, &f("bio"), &d.bio, TEXT_MAX);
            max_chars(v, &f("consultation_room"), &d.consultation_room, 100);
        }
        profile::Kind::Staff(s) => {
            max_chars(v, &format!("{field}.staff.license_number"), &s.license_number, 64);
            max_chars(v, &format!("{field}.staff.department"), &s.department, 100);
        }
        profile::Kind::InsuranceProvider(i) => {
            let f = |name: &str| format!("{field}.insurance_provider.{name}");
            max_chars(v, &f("company_name"), &i.company_name, 200);
            if !i.contact_email.is_empty() {
                email(v, &f("contact_email"), &i.contact_email);
            }
            phone(v, &f("contact_phone"), &i.contact_phone);
        }
    }
}

/// A date of birth: a calendar day from 1900 on.
fn valid_date(date: &hms_kit::proto::google::r#type::Date) -> bool {
    hms_kit::time::civil_date(date).is_some_and(|d| d.year() >= 1900)
}

/// Today's (year, month, day) in UTC, for date-of-birth checks.
pub fn today_utc() -> (i32, i32, i32) {
    let days = hms_kit::time::now_micros().div_euclid(86_400_000_000);
    let (year, month, day) = hms_kit::time::civil_from_days(days);
    (i32::try_from(year).unwrap_or(9999), month as i32, day as i32)
}

#[cfg(test)]
mod tests {
    use hms_kit::proto::google::r#type::Date;
    use hms_kit::proto::user::{DoctorProfile, PatientProfile};

    use super::*;

    fn fields(v: FieldViolations) -> Vec<String> {
        let status = v.into_status();
        let details = tonic_types::StatusExt::get_error_details(&status);
        details.bad_request().map(|b| b.field_violations.iter().map(|f| f.field.clone()).collect()).unwrap_or_default()
    }

    #[test]
    fn account_fields() {
        let mut v = FieldViolations::new();
        username(&mut v, "username", "ab");
        username(&mut v, "u2", "good.name_1");
        email(&mut v, "email", "not-an-email");
        email(&mut v, "e2", "an@example.com");
        phone(&mut v, "phone_number", "0901234567");
        phone(&mut v, "p2", "+84901234567");
        language(&mut v, "preferred_language", "fr");
        picture_url(&mut v, "profile_picture_url", "javascript:alert(1)");
        assert_eq!(fields(v), ["username", "email", "phone_number", "preferred_language", "profile_picture_url"]);
    }

    #[test]
    fn profiles_must_fit_the_role_and_be_valid() {
        let patient = Profile {
            kind: Some(profile::Kind::Patient(PatientProfile {
                date_of_birth: Some(Date { year: 2023, month: 2, day: 29 }),
                blood_type: "Z+".into(),
                ..Default::default()
            })),
        };
        let mut v = FieldViolations::new();
        profile(&mut v, "profile", &patient, ProfileKind::Patient, (2026, 1, 1));
        assert_eq!(fields(v), ["profile.patient.date_of_birth", "profile.patient.blood_type"]);

        let doctor = Profile { kind: Some(profile::Kind::Doctor(DoctorProfile::default())) };
        let mut v = FieldViolations::new();
        profile(&mut v, "profile", &doctor, ProfileKind::Patient, (2026, 1, 1));
        assert_eq!(fields(v), ["profile"]);
    }

    #[test]
    fn dates() {
        let date = |year, month, day| Date { year, month, day };
        assert!(valid_date(&date(2024, 2, 29)));
        assert!(!valid_date(&date(2023, 2, 29)));
        assert!(!valid_date(&date(2024, 4, 31)));
        assert!(!valid_date(&date(1899, 12, 31)));
    }
}
