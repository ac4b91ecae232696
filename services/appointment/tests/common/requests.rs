//! Requests and answers of the appointment tests: request messages, dates
//! and times in the clinic's zone, bearer tokens, and what a refusal carries.

use hms_kit::proto::appointment::*;
use hms_kit::proto::common::Money;
use hms_kit::proto::google::r#type::TimeOfDay;
use prost::Message;
// Each test binary uses some of these.
#[allow(unused_imports)]
pub use hms_testkit::{assert_code, authed, reason, violated_fields};
use tonic::Status;

pub fn service_input(name: &str, minutes: i32, specialties: &[&str]) -> MedicalServiceInput {
    MedicalServiceInput {
        name: name.into(),
        description: format!("{name} consultation"),
        kind: ServiceKind::GeneralCheckup.into(),
        duration_minutes: minutes,
        price: Some(Money { amount_minor: 150_000, currency: "VND".into() }),
        specialties: specialties.iter().map(|s| (*s).to_owned()).collect(),
        auto_confirm: false,
        active: true,
    }
}

pub fn time(hours: i32, minutes: i32) -> TimeOfDay {
    TimeOfDay { hours, minutes, seconds: 0, nanos: 0 }
}

pub fn day(d: jiff::civil::Date) -> hms_kit::proto::google::r#type::Date {
    hms_kit::proto::google::r#type::Date {
        year: i32::from(d.year()),
        month: i32::from(d.month()),
        day: i32::from(d.day()),
    }
}

/// A date `days` from today in the clinic's zone.
pub fn clinic_date(days: i64) -> jiff::civil::Date {
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    jiff::Timestamp::now().to_zoned(zone).date().checked_add(jiff::Span::new().days(days)).unwrap()
}

/// Wall-clock `hour:minute` on `date` in the clinic's zone, as a timestamp.
pub fn at(date: jiff::civil::Date, hour: i8, minute: i8) -> prost_types::Timestamp {
    let zone = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
    let seconds = date.at(hour, minute, 0, 0).to_zoned(zone).unwrap().timestamp().as_second();
    prost_types::Timestamp { seconds, nanos: 0 }
}

/// The SlotAlternatives detail of a refusal.
pub fn alternatives(status: &Status) -> Option<SlotAlternatives> {
    let details = hms_kit::proto::google::rpc::Status::decode(status.details()).ok()?;
    details
        .details
        .iter()
        .find(|any| any.type_url.ends_with("/hms.appointment.v1.SlotAlternatives"))
        .and_then(|any| SlotAlternatives::decode(any.value.as_slice()).ok())
}
