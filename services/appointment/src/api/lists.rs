//! The appointment lists (the caller's own, seed 003's patient- and
//! doctor-keyed ones), which share filtering and paging, and the doctor's
//! notes update of seed 003's `PUT /api/v1/appointments/{id}`.

use hms_kit::proto::common::PageRequest;

use super::*;

/// What a list asks for.
pub(super) struct ListQuery<'a> {
    pub party: Party<'a>,
    pub statuses: &'a [i32],
    pub from: Option<&'a ProtoDate>,
    pub to: Option<&'a ProtoDate>,
    pub page: Option<&'a PageRequest>,
}

/// The distinct statuses asked for; a violation for each unknown one.
fn parse_statuses(v: &mut FieldViolations, statuses: &[i32]) -> Vec<ApptStatus> {
    let mut parsed = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        let name = AppointmentStatus::try_from(*status)
            .ok()
            .filter(|s| *s != AppointmentStatus::Unspecified)
            .and_then(|s| ApptStatus::parse(s.as_str_name().trim_start_matches("APPOINTMENT_STATUS_")));
        match name {
            Some(status) if !parsed.contains(&status) => parsed.push(status),
            Some(_) => {}
            None => v.add(format!("statuses[{i}]"), "is not an appointment status"),
        }
    }
    parsed
}

/// Patients see their own list only; nurses and admins anyone's (DOMAIN.md:
/// staff book and manage appointments for patients).
pub(super) fn check_patient_list(caller: &Principal, patient_id: &str) -> Result<(), Status> {
    match caller.role {
        Role::Nurse | Role::Admin => Ok(()),
        Role::Patient if caller.subject == patient_id => Ok(()),
        _ => Err(Status::permission_denied("patients may only list their own appointments")),
    }
}

/// Doctors see their own list only; nurses and admins anyone's.
pub(super) fn check_doctor_list(caller: &Principal, doctor_id: &str) -> Result<(), Status> {
    match caller.role {
        Role::Nurse | Role::Admin => Ok(()),
        Role::Doctor if caller.subject == doctor_id => Ok(()),
        _ => Err(Status::permission_denied("doctors may only list their own appointments")),
    }
}

impl State {
    /// One page of a party's appointments by start time, with the token of
    /// the next.
    pub(super) async fn list(&self, q: ListQuery<'_>) -> Result<(Vec<Appointment>, PageResponse), Status> {
        let mut v = FieldViolations::new();
        let statuses = parse_statuses(&mut v, q.statuses);
        let from = q.from.and_then(|d| date_from_proto(&mut v, "from_date", Some(d)));
        let to = q.to.and_then(|d| date_from_proto(&mut v, "to_date", Some(d)));
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            v.add("to_date", "must not be before from_date");
        }
        v.into_result()?;
        // Whole days in the clinic's zone; an unset bound leaves that side open.
        let start = from.and_then(|d| crate::domain::slots::local_instant(&self.zone, d, 0)).unwrap_or(i64::MIN);
        let end = to.and_then(|d| crate::domain::slots::local_instant(&self.zone, d, 1440)).unwrap_or(i64::MAX);
        // The page token is bound to the filters; without dates this is the
        // fingerprint `/mine` always had, so its tokens stay valid.
        let mut filters: Vec<String> = statuses.iter().map(|s| s.as_str().to_owned()).collect();
        filters.extend(from.map(|d| format!("from:{d}")));
        filters.extend(to.map(|d| format!("to:{d}")));
        let page = paging::parse::<(i64, String)>(q.page, &filters)?;
        let mut rows = store::list_appointments(&self.db, q.party, &statuses, (start, end), page.after, page.size + 1)
            .await
            .map_err(error::store)?;
        let more = rows.len() > page.size;
        rows.truncate(page.size);
        let next_page_token = match rows.last() {
            Some(last) if more => paging::token(&(last.start_at, last.id.clone()), &filters),
            _ => String::new(),
        };
        Ok((rows.iter().map(|a| self.to_proto(a)).collect(), PageResponse { next_page_token }))
    }

    /// Replaces the notes of an appointment of the calling doctor.
    pub(super) async fn update_notes(&self, caller: &Principal, id: &str, notes: &str) -> Result<Appointment, Status> {
        let mut v = FieldViolations::new();
        check_id(&mut v, "appointment_id", id);
        v.text("doctor_notes", notes, 5000, false);
        v.into_result()?;
        // Only the appointment's doctor: others get NOT_FOUND, as for reads.
        let appointment = self.visible(caller, id).await?;
        if caller.role != Role::Doctor {
            return Err(Status::permission_denied("only the appointment's doctor may write its notes"));
        }
        let cancelled =
            || refusal(Code::FailedPrecondition, "APPOINTMENT_CANCELLED", "a cancelled appointment takes no notes");
        if appointment.status.is_cancelled() {
            return Err(cancelled());
        }
        let written = store::update_notes(&self.db, id, &caller.subject, notes, now()).await.map_err(error::store)?;
        // None: it was cancelled since it was read.
        written.map(|a| self.to_proto(&a)).ok_or_else(cancelled)
    }
}
