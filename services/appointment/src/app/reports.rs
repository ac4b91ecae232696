//! Figures over a period, for the staff schedule report and the admin
//! dashboard's internal stats call: counts by status, booked and available
//! consulting time.

use hms_kit::error::invalid_field;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tonic::Status;

use super::{State, domain_schedule, qualified};
use crate::domain::report::{self, Period};
use crate::domain::status::Status as ApptStatus;
use crate::store::{self, AppointmentRow, ScheduleRow};

/// Most appointments a schedule report lists.
const REPORT_LIMIT: usize = 1000;

/// The figures of the days `first..=last`.
pub(crate) struct Figures {
    pub first: Date,
    pub last: Date,
    /// Count and booked seconds by status.
    pub totals: Vec<(ApptStatus, i64, i64)>,
    /// Consulting seconds of the schedules counted.
    pub available: i64,
}

/// A schedule report: the figures and the appointments of the period.
pub(crate) struct Report {
    pub figures: Figures,
    pub appointments: Vec<AppointmentRow>,
    /// More appointments than listed.
    pub truncated: bool,
}

impl State {
    /// The report of the period of `date`, of one doctor or one service or
    /// of the whole clinic.
    pub(crate) async fn schedule_report(
        &self,
        period: Period,
        date: Date,
        doctor: Option<&str>,
        service: Option<&str>,
    ) -> Result<Report, Status> {
        let s = self;
        let Some((first, last)) = report::bounds(date, period) else {
            return Err(invalid_field("date", "is out of range"));
        };
        let (from, to) = instants(&s.zone, first, last);

        // Whose consulting hours count as available.
        let mut schedules = store::schedules(&s.db, doctor).await?;
        if let Some(service_id) = service {
            let service = store::get_service(&s.db, service_id)
                .await?
                .ok_or_else(|| Status::not_found("no such medical service"))?;
            schedules.retain(|schedule| qualified(schedule, &service));
        }
        let available = available_seconds(&s.zone, &schedules, first, last);

        let mut rows = store::appointments_between(&s.db, from, to, doctor, service, REPORT_LIMIT + 1).await?;
        let truncated = rows.len() > REPORT_LIMIT;
        rows.truncate(REPORT_LIMIT);
        let totals = store::appointment_totals(&s.db, from, to, doctor, service).await?;
        Ok(Report { figures: Figures { first, last, totals, available }, appointments: rows, truncated })
    }

    /// The clinic's figures of the day of `date` and of its week. One read
    /// of the schedules serves both periods; each period is one grouped
    /// count over the start-time index.
    pub(crate) async fn day_and_week(&self, date: Date) -> Result<(Figures, Figures), Status> {
        let schedules = store::schedules(&self.db, None).await?;
        let today = self.period_figures(&schedules, date, Period::Day).await?;
        let week = self.period_figures(&schedules, date, Period::Week).await?;
        Ok((today, week))
    }

    async fn period_figures(&self, schedules: &[ScheduleRow], date: Date, period: Period) -> Result<Figures, Status> {
        let (first, last) = report::bounds(date, period).ok_or_else(|| invalid_field("date", "is out of range"))?;
        let (from, to) = instants(&self.zone, first, last);
        let totals = store::appointment_totals(&self.db, from, to, None, None).await?;
        let available = available_seconds(&self.zone, schedules, first, last);
        Ok(Figures { first, last, totals, available })
    }
}

/// Consulting seconds of `schedules` over the days `first..=last`.
fn available_seconds(zone: &TimeZone, schedules: &[ScheduleRow], first: Date, last: Date) -> i64 {
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

/// The clinic's instants bounding the days `first..=last`.
fn instants(zone: &TimeZone, first: Date, last: Date) -> (i64, i64) {
    let from = crate::domain::slots::local_instant(zone, first, 0).unwrap_or(0);
    let to = crate::domain::slots::local_instant(zone, last, 1440).unwrap_or(from);
    (from, to)
}
