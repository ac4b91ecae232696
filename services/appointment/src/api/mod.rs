//! The gRPC API, one file per proto service of
//! `hms/appointment/v1/appointment.proto`: `ScheduleService` (schedules.rs),
//! `AppointmentService` (appointments.rs) and `InternalAppointmentService`
//! (internal.rs), with the proto conversions in convert.rs. A handler
//! authorises, validates, converts and calls a use case of [`crate::app`].

use std::sync::Arc;

use tonic::{Response, Status};

use crate::app::State;

mod appointments;
mod convert;
mod internal;
mod schedules;

type Reply<T> = Result<Response<T>, Status>;

pub struct ScheduleApi(pub Arc<State>);
pub struct AppointmentApi(pub Arc<State>);
pub struct InternalApi(pub Arc<State>);
