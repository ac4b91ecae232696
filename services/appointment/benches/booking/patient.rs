//! One simulated patient of the load generator: its connection (gRPC, or
//! REST/JSON through the gateway), the calendar it reads and decodes, the
//! slot it books, and the tally of what happened.

use std::time::Duration;

use hms_kit::proto::appointment::appointment_service_client::AppointmentServiceClient;
use hms_kit::proto::appointment::*;
use hms_kit::proto::google::r#type::Date;
use hms_kit::testing::XorShift;
use tonic::transport::Channel;

use crate::authed;

#[derive(Default)]
pub(crate) struct Tally {
    pub availability: Vec<Duration>,
    pub bookings: Vec<Duration>,
    pub booked: usize,
    pub refused: usize,
    pub errors: usize,
}

pub(crate) enum Booking {
    /// The new appointment's id.
    Booked(String),
    Refused,
    Failed(String),
}

/// The part of a booking's JSON answer the patients read: the new id.
#[derive(serde::Deserialize)]
struct BookedJson {
    appointment: AppointmentJson,
}

#[derive(serde::Deserialize)]
struct AppointmentJson {
    id: String,
}

/// The parts of a calendar's JSON the patients read.
#[derive(serde::Deserialize)]
struct CalendarJson<'a> {
    #[serde(borrow)]
    days: Vec<DayJson<'a>>,
}

#[derive(serde::Deserialize)]
struct DayJson<'a> {
    #[serde(borrow)]
    doctors: Vec<DoctorDayJson<'a>>,
}

#[derive(serde::Deserialize)]
struct DoctorDayJson<'a> {
    #[serde(borrow)]
    doctor_id: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    slots: Vec<SlotJson<'a>>,
    #[serde(borrow, default)]
    slot_starts: Vec<std::borrow::Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct SlotJson<'a> {
    #[serde(borrow)]
    start_time: std::borrow::Cow<'a, str>,
}

/// The parts of a calendar response the patients read, decoded without
/// copying the doctor ids (a client decodes what it needs, as the REST
/// patients do with the JSON); the other fields are skipped.
#[derive(Clone, PartialEq, prost::Message)]
struct CalendarProto {
    #[prost(message, repeated, tag = "1")]
    days: Vec<DayProto>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct DayProto {
    #[prost(message, repeated, tag = "2")]
    doctors: Vec<DoctorDayProto>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct DoctorDayProto {
    #[prost(bytes = "bytes", tag = "1")]
    doctor_id: prost::bytes::Bytes,
    #[prost(message, repeated, tag = "3")]
    slots: Vec<SlotProto>,
    #[prost(message, repeated, tag = "5")]
    slot_starts: Vec<prost_types::Timestamp>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct SlotProto {
    #[prost(message, optional, tag = "2")]
    start_time: Option<prost_types::Timestamp>,
}

/// One of `items` at random, if any.
pub(crate) fn pick<T: Copy>(random: &mut XorShift, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| random.pick(items))
}

/// One simulated patient's connection: gRPC to the service, or REST/JSON
/// through the gateway.
#[allow(clippy::large_enum_variant)] // one per simulated patient: size is irrelevant
pub(crate) enum Patient {
    Grpc { schedules: tonic::client::Grpc<Channel>, appointments: AppointmentServiceClient<Channel> },
    Rest { http: reqwest::Client, base: String },
}

/// A slot's start as its path carries it: each patient books what it read,
/// with nothing parsed or formatted on the way.
pub(crate) enum Start {
    Seconds(i64),
    Text(String),
}

impl Patient {
    /// Reads the calendar and picks one of its free slots at random: (doctor
    /// id, start), or `None` when none is left. Only the slot picked is
    /// copied out of the response.
    pub(crate) async fn calendar(
        &mut self,
        service_id: &str,
        (first, last): (Date, Date),
        view: CalendarView,
        token: &str,
        random: &mut XorShift,
    ) -> anyhow::Result<Option<(prost::bytes::Bytes, Start)>> {
        match self {
            Patient::Grpc { schedules, .. } => {
                let request = GetServiceCalendarRequest {
                    service_id: service_id.to_owned(),
                    start_date: Some(first),
                    end_date: Some(last),
                    view: view.into(),
                };
                schedules.ready().await?;
                let path =
                    http::uri::PathAndQuery::from_static("/hms.appointment.v1.ScheduleService/GetServiceCalendar");
                let codec = tonic_prost::ProstCodec::<GetServiceCalendarRequest, CalendarProto>::default();
                let days = schedules.unary(authed(request, token), path, codec).await?.into_inner().days;
                let free: Vec<(&prost::bytes::Bytes, i64)> = days
                    .iter()
                    .flat_map(|d| &d.doctors)
                    .flat_map(|doctor| {
                        let starts = doctor.slots.iter().filter_map(|slot| slot.start_time.as_ref());
                        starts.chain(&doctor.slot_starts).map(move |start| (&doctor.doctor_id, start.seconds))
                    })
                    .collect();
                Ok(pick(random, &free).map(|(doctor_id, start)| (doctor_id.clone(), Start::Seconds(start))))
            }
            Patient::Rest { http, base } => {
                let query = [
                    ("start_date.year", first.year),
                    ("start_date.month", first.month),
                    ("start_date.day", first.day),
                    ("end_date.year", last.year),
                    ("end_date.month", last.month),
                    ("end_date.day", last.day),
                ];
                let view = view.as_str_name();
                let calendar = http
                    .get(format!("{base}/api/v1/appointments/services/{service_id}/calendar"))
                    .query(&query)
                    .query(&[("view", view)])
                    .bearer_auth(token)
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                let calendar: CalendarJson<'_> = serde_json::from_slice(&calendar)?;
                let free: Vec<(&str, &str)> = calendar
                    .days
                    .iter()
                    .flat_map(|d| &d.doctors)
                    .flat_map(|doctor| {
                        let starts = doctor.slots.iter().map(|slot| &slot.start_time).chain(&doctor.slot_starts);
                        starts.map(move |start| (&*doctor.doctor_id, &**start))
                    })
                    .collect();
                Ok(pick(random, &free).map(|(doctor_id, start)| {
                    (prost::bytes::Bytes::copy_from_slice(doctor_id.as_bytes()), Start::Text(start.to_owned()))
                }))
            }
        }
    }

    pub(crate) async fn book(&mut self, service_id: &str, doctor_id: &[u8], start: &Start, token: &str) -> Booking {
        let Ok(doctor_id) = std::str::from_utf8(doctor_id) else {
            return Booking::Failed("a doctor id not in UTF-8".into());
        };
        match self {
            Patient::Grpc { appointments, .. } => {
                let Start::Seconds(start) = *start else { return Booking::Failed("a start read over REST".into()) };
                let request = BookAppointmentRequest {
                    service_id: service_id.to_owned(),
                    doctor_id: doctor_id.to_owned(),
                    start_time: Some(prost_types::Timestamp { seconds: start, nanos: 0 }),
                    ..Default::default()
                };
                match appointments.book_appointment(authed(request, token)).await {
                    Ok(booked) => match booked.into_inner().appointment {
                        Some(appointment) => Booking::Booked(appointment.id),
                        None => Booking::Failed("booked, but no appointment in the answer".into()),
                    },
                    Err(status) if status.code() == tonic::Code::FailedPrecondition => Booking::Refused,
                    Err(status) => Booking::Failed(format!("{status:?}")),
                }
            }
            Patient::Rest { http, base } => {
                let Start::Text(start) = start else { return Booking::Failed("a start read over gRPC".into()) };
                let body = serde_json::json!({ "service_id": service_id, "doctor_id": doctor_id, "start_time": start });
                let response = match http
                    .post(format!("{base}/api/v1/appointments"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(response) => response,
                    Err(e) => return Booking::Failed(e.to_string()),
                };
                if response.status().is_success() {
                    return match response.json::<BookedJson>().await {
                        Ok(booked) => Booking::Booked(booked.appointment.id),
                        Err(e) => Booking::Failed(format!("booked, but the answer is unreadable: {e}")),
                    };
                }
                let status = response.status();
                match response.json::<serde_json::Value>().await {
                    // google.rpc.Status: FAILED_PRECONDITION is code 9.
                    Ok(error) if error["code"] == 9 => Booking::Refused,
                    Ok(error) => Booking::Failed(format!("{status}: {error}")),
                    Err(e) => Booking::Failed(format!("{status}: {e}")),
                }
            }
        }
    }
}
