//! Free slots: a doctor's availability for a service, the service's
//! calendar over every qualified doctor, and the doctors' display names it
//! shows.

use std::collections::HashMap;
use std::sync::Arc;

use hms_kit::error::refusal;
use hms_kit::proto::user::BatchGetDisplayNamesRequest;
use hms_kit::time::now_seconds;
use jiff::civil::Date;
use tonic::{Code, Status};

use super::{State, domain_schedule, qualified, qualified_in};
use crate::domain::slots::Interval;
use crate::store::{ScheduleRow, ServiceRow};

/// One qualified doctor's free slots over a calendar's days, in time order.
pub(crate) struct DoctorSlots {
    pub doctor_id: String,
    pub location: String,
    pub slots: Vec<(Date, Interval)>,
}

impl State {
    /// The free slots of `doctor_id` for `service_id` over `from..=to`.
    pub(crate) async fn doctor_availability(
        &self,
        doctor_id: &str,
        service_id: &str,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Date, Interval)>, Status> {
        let service = self.displayed_service(service_id).await?;
        let schedules = self.display.schedules(&self.db).await?;
        let schedule = qualified_in(&schedules, doctor_id, &service)?;
        self.doctor_slots(schedule, service.duration_minutes * 60, from, to).await
    }

    /// The bookable service and the free slots over `from..=to` of every
    /// doctor qualified for it (the busy times of all read together).
    pub(crate) async fn service_calendar(
        &self,
        service_id: &str,
        from: Date,
        to: Date,
    ) -> Result<(Arc<ServiceRow>, Vec<DoctorSlots>), Status> {
        let service = self.displayed_service(service_id).await?;
        let schedules = self.display.schedules(&self.db).await?;
        let qualified: Vec<&ScheduleRow> = schedules.iter().filter(|s| qualified(s, &service)).collect();
        let (start, end) = self.span(from, to);
        let doctor_ids: Vec<&str> = qualified.iter().map(|s| s.doctor_id.as_str()).collect();
        let busy = self.busy.busy(&self.db, &doctor_ids, start, end).await?;
        let starts = self.bookable_starts(now_seconds());
        let mut doctors = Vec::with_capacity(qualified.len());
        for schedule in qualified {
            let doctor_busy = busy.get(schedule.doctor_id.as_str()).map(Vec::as_slice).unwrap_or_default();
            let slots = domain_schedule(schedule).free_slots(
                &self.zone,
                from,
                to,
                service.duration_minutes * 60,
                doctor_busy,
                starts.clone(),
            );
            doctors.push(DoctorSlots {
                doctor_id: schedule.doctor_id.clone(),
                location: schedule.location.clone(),
                slots,
            });
        }
        Ok((service, doctors))
    }

    /// The instants covering civil dates `from..=to` in the clinic zone, with a
    /// day of margin either side.
    fn span(&self, from: Date, to: Date) -> (i64, i64) {
        let start = crate::domain::slots::local_instant(&self.zone, from, 0).unwrap_or(0) - 86_400;
        let end = crate::domain::slots::local_instant(&self.zone, to, 1440).unwrap_or(i64::MAX / 2) + 86_400;
        (start, end)
    }

    /// Free slots of one doctor for a service duration over `from..=to`.
    pub(super) async fn doctor_slots(
        &self,
        schedule: &ScheduleRow,
        duration: i64,
        from: Date,
        to: Date,
    ) -> Result<Vec<(Date, Interval)>, Status> {
        let (start, end) = self.span(from, to);
        let busy = self.doctor_busy(&schedule.doctor_id, start, end).await?;
        Ok(domain_schedule(schedule).free_slots(
            &self.zone,
            from,
            to,
            duration,
            &busy,
            self.bookable_starts(now_seconds()),
        ))
    }

    /// The starts open to booking at `now`: in the future, within the horizon.
    pub(super) fn bookable_starts(&self, now: i64) -> std::ops::RangeInclusive<i64> {
        now.saturating_add(1)..=now.saturating_add(self.horizon_secs)
    }

    /// The busy intervals of one doctor overlapping `[from, to)` (see [`crate::cache::BusyCache`]).
    pub(super) async fn doctor_busy(&self, doctor_id: &str, from: i64, to: i64) -> Result<Vec<Interval>, Status> {
        let mut busy = self.busy.busy(&self.db, &[doctor_id], from, to).await?;
        Ok(busy.remove(doctor_id).unwrap_or_default())
    }

    /// A bookable service as the calendar shows it (see [`crate::cache::DisplayCache`]).
    async fn displayed_service(&self, service_id: &str) -> Result<Arc<ServiceRow>, Status> {
        let service = self
            .display
            .service(&self.db, service_id)
            .await?
            .ok_or_else(|| Status::not_found("no such medical service"))?;
        if !service.active {
            return Err(refusal(Code::FailedPrecondition, "SERVICE_INACTIVE", "this medical service is not offered"));
        }
        Ok(service)
    }

    /// Display names of `ids`; empty (and logged) when the user service
    /// cannot answer, so the calendar never waits on it.
    pub(crate) async fn display_names(&self, ids: Vec<String>) -> HashMap<String, String> {
        let Some(users) = &self.users else { return HashMap::new() };
        let (mut names, missing) = self.names.lookup(ids);
        if missing.is_empty() {
            return names;
        }
        match users.clone().batch_get_display_names(BatchGetDisplayNamesRequest { user_ids: missing }).await {
            Ok(response) => {
                let fetched = response.into_inner().display_names;
                self.names.remember(&fetched);
                names.extend(fetched);
            }
            Err(status) => {
                tracing::warn!(code = ?status.code(), message = status.message(), "doctor names unavailable");
            }
        }
        names
    }
}
