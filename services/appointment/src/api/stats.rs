//! Figures over a period, shared by the staff schedule report and the admin
//! dashboard's internal stats call: counts by status, booked and available
//! consulting time.

use hms_kit::proto::appointment::internal_appointment_service_server::InternalAppointmentService;

use super::*;

pub struct InternalApi(pub Arc<State>);

/// Consulting seconds of `schedules` over the days `first..=last`.
pub(super) fn available_seconds(zone: &TimeZone, schedules: &[ScheduleRow], first: Date, last: Date) -> i64 {
    let mut available = 0_i64;
    for schedule in schedules {
        let plan = domain_schedule(schedule);
        let mut day = first;
        while day <= last {
            available += plan.windows(zone, day).iter().map(|w| w.end - w.start).sum::<i64>();
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
    }
    available
}

/// Every status with its count (zeros included), and the booked seconds of
/// the appointments that hold their slot.
pub(super) fn summarise(totals: &[(ApptStatus, i64, i64)]) -> (Vec<StatusCount>, i64) {
    let booked = totals.iter().filter(|(st, _, _)| !st.is_cancelled()).map(|(_, _, secs)| secs).sum();
    let counts = ApptStatus::ALL
        .iter()
        .map(|status| StatusCount {
            status: status_to_proto(*status).into(),
            count: totals
                .iter()
                .find(|(st, _, _)| st == status)
                .map_or(0, |(_, n, _)| i32::try_from(*n).unwrap_or(i32::MAX)),
        })
        .collect();
    (counts, booked)
}

/// The clinic's instants bounding the days `first..=last`.
pub(super) fn instants(zone: &TimeZone, first: Date, last: Date) -> (i64, i64) {
    let from = crate::domain::slots::local_instant(zone, first, 0).unwrap_or(0);
    let to = crate::domain::slots::local_instant(zone, last, 1440).unwrap_or(from);
    (from, to)
}

async fn period_stats(
    s: &State,
    schedules: &[ScheduleRow],
    date: Date,
    period: Period,
) -> Result<AppointmentPeriodStats, Status> {
    let (first, last) = report::bounds(date, period).ok_or_else(|| invalid_field("date", "is out of range"))?;
    let (from, to) = instants(&s.zone, first, last);
    let totals = store::appointment_totals(&s.db, from, to, None, None).await.map_err(error::store)?;
    let (counts, booked) = summarise(&totals);
    let available = available_seconds(&s.zone, schedules, first, last);
    Ok(AppointmentPeriodStats {
        start_date: Some(date_to_proto(first)),
        end_date: Some(date_to_proto(last)),
        counts,
        booked_minutes: booked / 60,
        available_minutes: available / 60,
        utilisation_bp: report::utilisation_bp(booked / 60, available / 60),
    })
}

#[tonic::async_trait]
impl InternalAppointmentService for InternalApi {
    async fn get_appointment_stats(
        &self,
        request: Request<GetAppointmentStatsRequest>,
    ) -> Reply<GetAppointmentStatsResponse> {
        let s = &self.0;
        let r = request.into_inner();
        let mut v = FieldViolations::new();
        let date = date_from_proto(&mut v, "date", r.date.as_ref());
        v.into_result()?;
        let Some(date) = date else { return Err(invalid_field("date", "is required")) };
        // One read of the schedules serves both periods; each period is one
        // grouped count over the start-time index.
        let schedules = store::schedules(&s.db, None).await.map_err(error::store)?;
        let today = period_stats(s, &schedules, date, Period::Day).await?;
        let week = period_stats(s, &schedules, date, Period::Week).await?;
        Ok(Response::new(GetAppointmentStatsResponse {
            stats: Some(AppointmentStats { today: Some(today), week: Some(week), time_zone: s.zone_name.clone() }),
        }))
    }
}
