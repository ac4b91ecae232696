//! The typed system configuration: which keys exist, their types, bounds
//! and defaults, and how a proposed value is checked and put in canonical
//! form (so equal values are stored, hashed and compared alike).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `minimum`..=`maximum` characters, not blank.
    Text,
    /// An IANA zone name.
    TimeZone,
    /// A whole number in `minimum`..=`maximum`.
    Integer,
    /// 1..=`max_items` distinct durations, each `minimum`..=`maximum` seconds.
    DurationList,
}

/// One configuration key.
#[derive(Debug)]
pub struct Spec {
    pub key: &'static str,
    pub description: &'static str,
    pub kind: Kind,
    pub minimum: i64,
    pub maximum: i64,
    pub max_items: i32,
    pub unit: &'static str,
}

const fn spec(
    key: &'static str,
    description: &'static str,
    kind: Kind,
    (minimum, maximum): (i64, i64),
    unit: &'static str,
) -> Spec {
    Spec { key, description, kind, minimum, maximum, max_items: 0, unit }
}

/// Every key, in the order lists show them.
pub const SPECS: &[Spec] = &[
    spec("clinic.name", "The clinic's name, as shown to patients and in messages.", Kind::Text, (1, 200), ""),
    spec(
        "clinic.time_zone",
        "The clinic's IANA time zone: schedules, due dates and reports are its local times.",
        Kind::TimeZone,
        (0, 0),
        "",
    ),
    spec(
        "appointment.reschedule_notice_hours",
        "Patients may not cancel or move an appointment later than this before its start.",
        Kind::Integer,
        (0, 720),
        "hours",
    ),
    spec("appointment.max_reschedules", "Moves allowed per appointment.", Kind::Integer, (0, 20), "moves"),
    Spec {
        max_items: 10,
        ..spec(
            "appointment.reminder_offsets",
            "Reminders go out this long before an appointment starts.",
            Kind::DurationList,
            (60, 30 * 24 * 3600),
            "",
        )
    },
    spec("billing.invoice_due_days", "Days from an invoice's issue to its due date.", Kind::Integer, (0, 365), "days"),
    spec(
        "user.login_throttle.max_failures_per_account",
        "Failed logins per account in a window before further logins are refused.",
        Kind::Integer,
        (1, 1000),
        "failures",
    ),
    spec(
        "user.login_throttle.max_failures_per_address",
        "Failed logins per client address in a window before further logins are refused.",
        Kind::Integer,
        (1, 100_000),
        "failures",
    ),
    spec(
        "user.login_throttle.window_minutes",
        "Failed logins count in a window this long, from the first one.",
        Kind::Integer,
        (1, 24 * 60),
        "minutes",
    ),
];

#[cfg(test)]
fn find(key: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.key == key)
}

/// The value of every key while none is stored: file or environment
/// (`[admin.defaults]`, `HMS_ADMIN__DEFAULTS__*`), else these.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Defaults {
    pub clinic_name: String,
    pub clinic_time_zone: String,
    pub reschedule_notice_hours: i64,
    pub max_reschedules: i64,
    /// Durations such as `24h` or `90m`.
    pub reminder_offsets: Vec<String>,
    pub invoice_due_days: i64,
    pub login_max_failures_per_account: i64,
    pub login_max_failures_per_address: i64,
    pub login_window_minutes: i64,
}

impl Default for Defaults {
    fn default() -> Self {
        // The same as the services' own built-in settings.
        Self {
            clinic_name: "HMS Clinic".into(),
            clinic_time_zone: "Asia/Ho_Chi_Minh".into(),
            reschedule_notice_hours: 2,
            max_reschedules: 3,
            reminder_offsets: vec!["24h".into(), "1h".into()],
            invoice_due_days: 30,
            login_max_failures_per_account: 5,
            login_max_failures_per_address: 50,
            login_window_minutes: 15,
        }
    }
}

impl Defaults {
    fn raw(&self, key: &str) -> Value {
        match key {
            "clinic.name" => json!(self.clinic_name),
            "clinic.time_zone" => json!(self.clinic_time_zone),
            "appointment.reschedule_notice_hours" => json!(self.reschedule_notice_hours),
            "appointment.max_reschedules" => json!(self.max_reschedules),
            "appointment.reminder_offsets" => json!(self.reminder_offsets),
            "billing.invoice_due_days" => json!(self.invoice_due_days),
            "user.login_throttle.max_failures_per_account" => json!(self.login_max_failures_per_account),
            "user.login_throttle.max_failures_per_address" => json!(self.login_max_failures_per_address),
            "user.login_throttle.window_minutes" => json!(self.login_window_minutes),
            _ => Value::Null,
        }
    }

    /// Every default, checked like a value an admin sets, in canonical form;
    /// the first bad one is an error naming its key.
    pub fn resolve(&self) -> Result<Vec<(&'static Spec, Value)>, String> {
        SPECS
            .iter()
            .map(|spec| {
                spec.check(&self.raw(spec.key))
                    .map(|value| (spec, value))
                    .map_err(|problem| format!("the default of {}: {problem}", spec.key))
            })
            .collect()
    }
}

impl Spec {
    /// Checks `value` against the key's type and bounds; returns its
    /// canonical form (durations in jiff's friendly spelling, longest first).
    pub fn check(&self, value: &Value) -> Result<Value, String> {
        match self.kind {
            Kind::Text => {
                let text = value.as_str().ok_or("must be a string")?;
                let length = i64::try_from(text.chars().count()).unwrap_or(i64::MAX);
                if text.trim().is_empty() || length < self.minimum || length > self.maximum {
                    return Err(format!("must be {} to {} characters, not blank", self.minimum, self.maximum));
                }
                if text.chars().any(char::is_control) {
                    return Err("must not contain control characters".into());
                }
                Ok(json!(text))
            }
            Kind::TimeZone => {
                let name = value.as_str().ok_or("must be a string")?;
                if name.is_empty() || jiff::tz::TimeZone::get(name).is_err() {
                    return Err("must be an IANA time zone such as Asia/Ho_Chi_Minh".into());
                }
                Ok(json!(name))
            }
            Kind::Integer => {
                let n = integer(value).ok_or("must be a whole number")?;
                if n < self.minimum || n > self.maximum {
                    return Err(format!("must be from {} to {}{}", self.minimum, self.maximum, unit(self.unit)));
                }
                Ok(json!(n))
            }
            Kind::DurationList => self.check_durations(value),
        }
    }

    fn check_durations(&self, value: &Value) -> Result<Value, String> {
        let items = value.as_array().ok_or("must be a list of durations such as [\"24h\", \"1h\"]")?;
        if items.is_empty() || items.len() > usize::try_from(self.max_items).unwrap_or(0) {
            return Err(format!("must hold 1 to {} durations", self.max_items));
        }
        let mut durations = Vec::with_capacity(items.len());
        for item in items {
            let text = item.as_str().ok_or("must hold durations written as strings such as \"24h\"")?;
            let duration: jiff::SignedDuration =
                text.parse().map_err(|_| format!("{text:?} is not a duration such as \"24h\" or \"90m\""))?;
            let seconds = duration.as_secs();
            if seconds < self.minimum || seconds > self.maximum || duration.subsec_nanos() != 0 {
                return Err(format!(
                    "{text:?} is outside {:#} to {:#} (whole seconds)",
                    jiff::SignedDuration::from_secs(self.minimum),
                    jiff::SignedDuration::from_secs(self.maximum)
                ));
            }
            if durations.contains(&seconds) {
                return Err(format!("{text:?} is listed twice"));
            }
            durations.push(seconds);
        }
        durations.sort_unstable_by(|a, b| b.cmp(a));
        let canonical: Vec<String> =
            durations.into_iter().map(|s| format!("{:#}", jiff::SignedDuration::from_secs(s))).collect();
        Ok(json!(canonical))
    }
}

fn unit(unit: &str) -> String {
    if unit.is_empty() { String::new() } else { format!(" {unit}") }
}

/// A JSON number that is a whole number (JSON from protobuf carries every
/// number as a double, so 4.0 counts as 4).
fn integer(value: &Value) -> Option<i64> {
    if let Some(n) = value.as_i64() {
        return Some(n);
    }
    let f = value.as_f64()?;
    // Within ±2^53 a double is exact; beyond that it is no trustworthy integer.
    (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then_some(f as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(key: &str, value: Value) -> Result<Value, String> {
        find(key).unwrap().check(&value)
    }

    #[test]
    fn every_default_is_valid_and_every_key_has_one() {
        let resolved = Defaults::default().resolve().unwrap();
        assert_eq!(resolved.len(), SPECS.len());
        assert!(resolved.iter().all(|(_, v)| !v.is_null()));
        let bad = Defaults { clinic_time_zone: "Mars/Olympus".into(), ..Defaults::default() };
        assert!(bad.resolve().unwrap_err().contains("clinic.time_zone"));
    }

    #[test]
    fn integers_keep_their_bounds() {
        assert_eq!(check("appointment.reschedule_notice_hours", json!(4)), Ok(json!(4)));
        assert_eq!(check("appointment.reschedule_notice_hours", json!(4.0)), Ok(json!(4)));
        assert!(check("appointment.reschedule_notice_hours", json!(4.5)).is_err());
        assert!(check("appointment.reschedule_notice_hours", json!(-1)).is_err());
        assert!(check("appointment.reschedule_notice_hours", json!(721)).unwrap_err().contains("0 to 720 hours"));
        assert!(check("billing.invoice_due_days", json!("30")).is_err());
        assert!(check("user.login_throttle.window_minutes", json!(0)).is_err());
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert_eq!(check("clinic.time_zone", json!("Europe/Paris")), Ok(json!("Europe/Paris")));
        assert!(check("clinic.time_zone", json!("Mars/Olympus")).is_err());
        assert!(check("clinic.time_zone", json!("")).is_err());
        assert!(check("clinic.time_zone", json!(7)).is_err());
    }

    #[test]
    fn text_is_bounded_and_not_blank() {
        assert!(check("clinic.name", json!("  ")).is_err());
        assert!(check("clinic.name", json!("x".repeat(201))).is_err());
        assert!(check("clinic.name", json!("a\u{0}b")).is_err());
        assert_eq!(check("clinic.name", json!("Phòng khám An Bình")), Ok(json!("Phòng khám An Bình")));
    }

    #[test]
    fn duration_lists_are_canonical_bounded_and_distinct() {
        assert_eq!(check("appointment.reminder_offsets", json!(["90m", "PT48H"])), Ok(json!(["48h", "1h 30m"])));
        assert_eq!(hms_kit::settings::duration_list_seconds(&json!(["48h", "1h 30m"])), Some(vec![172_800, 5400]));
        assert!(check("appointment.reminder_offsets", json!([])).is_err());
        assert!(check("appointment.reminder_offsets", json!(["30s"])).is_err(), "below a minute");
        assert!(check("appointment.reminder_offsets", json!(["721h"])).is_err(), "beyond 30 days");
        assert!(check("appointment.reminder_offsets", json!(["1h", "60m"])).unwrap_err().contains("twice"));
        assert!(check("appointment.reminder_offsets", json!(["soon"])).is_err());
        assert!(check("appointment.reminder_offsets", json!([3600])).is_err());
        assert!(check("appointment.reminder_offsets", json!(vec!["1h"; 11])).is_err());
    }
}
