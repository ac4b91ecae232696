//! An appointment's lifecycle after booking: reading it, its status changes
//! (confirm, check in, complete, no-show, cancel) with their notices and EHR
//! links, the doctor's notes, the lists, and the patient's feedback.

use hms_kit::auth::Principal;
use hms_kit::error::{self, refusal};
use hms_kit::proto::common::Role;
use hms_kit::time::now_seconds;
use tonic::{Code, Status};

use super::State;
use crate::domain::slots::Interval;
use crate::domain::status::{Action, Status as ApptStatus, transition};
use crate::events::{self, EhrLink, EhrStage, Facts, Notice};
use crate::store::{self, AppointmentRow, Change, FeedbackRow, Party, ServiceRow};

impl State {
    /// The appointment if the caller may see it (see [`State::visible`]).
    pub(crate) async fn appointment(&self, caller: &Principal, id: &str) -> Result<AppointmentRow, Status> {
        self.visible(caller, id).await
    }

    pub(crate) async fn confirm(&self, caller: &Principal, id: &str) -> Result<AppointmentRow, Status> {
        self.act(caller, id, Action::Confirm, Change::default(), Some(EhrStage::Confirmed), |f, _| f.confirmed()).await
    }

    pub(crate) async fn check_in(&self, caller: &Principal, id: &str) -> Result<AppointmentRow, Status> {
        self.act(caller, id, Action::CheckIn, Change::default(), Some(EhrStage::CheckedIn), |_, _| Vec::new()).await
    }

    pub(crate) async fn mark_no_show(&self, caller: &Principal, id: &str) -> Result<AppointmentRow, Status> {
        self.act(caller, id, Action::NoShow, Change::default(), Some(EhrStage::NoShow), |_, _| Vec::new()).await
    }

    /// Completes an appointment with the doctor's notes: the patient is asked
    /// for feedback and, when billing is configured, billing for the invoice
    /// at the catalog price, in the same transaction as the completion.
    pub(crate) async fn complete(&self, caller: &Principal, id: &str, notes: String) -> Result<AppointmentRow, Status> {
        let change = Change { doctor_notes: Some(notes), ..Change::default() };
        let url = self.feedback_url.clone();
        let billing = self.billing;
        self.act(caller, id, Action::Complete, change, Some(EhrStage::Completed), |f, service| {
            let mut notices = f.feedback_requested(&url);
            if billing {
                notices.extend(service.map(|s| events::invoice_request(f.appointment, s)));
            }
            notices
        })
        .await
    }

    /// Cancels an appointment: a patient within the change policy's notice,
    /// staff at any time.
    pub(crate) async fn cancel(&self, caller: &Principal, id: &str, reason: &str) -> Result<AppointmentRow, Status> {
        let s = self;
        let appointment = s.visible(caller, id).await?;
        let action = match caller.role {
            Role::Patient => {
                s.policy.current().check_cancel(now_seconds(), appointment.start_at).map_err(|p| {
                    refusal(Code::FailedPrecondition, p.reason(), "it is too late to cancel this appointment")
                })?;
                Action::CancelByPatient
            }
            Role::Doctor | Role::Nurse | Role::Admin => Action::CancelByDoctor,
            _ => return Err(Status::permission_denied("your role may not cancel appointments")),
        };
        let change =
            Change { cancellation: Some((reason.trim().to_owned(), caller.subject.clone())), ..Change::default() };
        let by_patient = action == Action::CancelByPatient;
        let subject = caller.subject.clone();
        s.act(caller, id, action, change, Some(EhrStage::Cancelled), |f, _| {
            f.cancelled(by_patient, subject == f.appointment.doctor_id)
        })
        .await
    }

    /// Applies `action` to a visible appointment. `notices` get the facts of
    /// the appointment and its service as read (None if it was deleted); the
    /// EHR hears of `ehr` when links are configured.
    async fn act(
        &self,
        caller: &Principal,
        id: &str,
        action: Action,
        change: Change,
        ehr: Option<EhrStage>,
        notices: impl FnOnce(&Facts<'_>, Option<&ServiceRow>) -> Vec<Notice>,
    ) -> Result<AppointmentRow, Status> {
        let appointment = self.visible(caller, id).await?;
        let now = now_seconds();
        let to = transition(appointment.status, action, now, appointment.start_at).map_err(|refused| {
            refusal(
                Code::FailedPrecondition,
                refused.reason(),
                format!("a {} appointment cannot be changed this way", appointment.status.as_str()),
            )
        })?;
        let service = store::get_service(&self.db, &appointment.service_id).await?;
        let name = service.as_ref().map(|s| s.name.clone()).unwrap_or_default();
        let notices =
            notices(&Facts { zone: &self.zone, appointment: &appointment, service_name: &name }, service.as_ref());
        let events = events::notice_events(&appointment.id, &notices).map_err(error::internal)?;
        // The EHR holds an encounter only for an appointment that was confirmed.
        let encounter_planned = matches!(appointment.status, ApptStatus::Confirmed | ApptStatus::CheckedIn);
        let ehr = ehr.filter(|stage| self.ehr_links && (!stage.is_called_off() || encounter_planned));
        let link = ehr.map(|stage| move |written: &AppointmentRow| EhrLink::new(written, stage).event());
        let change = Change { events, ..change };
        let on_written = link.as_ref().map(|link| link as store::OnWritten<'_>);
        let written = store::change_status(&self.db, id, appointment.status, to, &change, now, on_written).await?;
        let Some(written) = written else {
            return Err(refusal(Code::Aborted, "CONCURRENT_UPDATE", "the appointment changed meanwhile; retry"));
        };
        if to.is_cancelled() {
            let held = Interval { start: written.start_at, end: written.end_at };
            self.busy.changed(&written.doctor_id, held, false);
        }
        Ok(written)
    }

    /// Replaces the notes of an appointment of the calling doctor.
    pub(crate) async fn update_notes(
        &self,
        caller: &Principal,
        id: &str,
        notes: &str,
    ) -> Result<AppointmentRow, Status> {
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
        let written = store::update_notes(&self.db, id, &caller.subject, notes, now_seconds()).await?;
        // None: it was cancelled since it was read.
        written.ok_or_else(cancelled)
    }

    /// A party's appointments by start time, starting within `window`, after
    /// `after`; at most `limit`.
    pub(crate) async fn list(
        &self,
        party: Party<'_>,
        statuses: &[ApptStatus],
        window: (i64, i64),
        after: Option<(i64, String)>,
        limit: usize,
    ) -> Result<Vec<AppointmentRow>, Status> {
        Ok(store::list_appointments(&self.db, party, statuses, window, after, limit).await?)
    }

    /// Records the patient's feedback on a completed appointment, once.
    pub(crate) async fn submit_feedback(
        &self,
        caller: &Principal,
        id: &str,
        rating: i32,
        comment: &str,
    ) -> Result<FeedbackRow, Status> {
        let appointment = self.visible(caller, id).await?;
        if appointment.status != ApptStatus::Completed {
            return Err(refusal(Code::FailedPrecondition, "NOT_COMPLETED", "feedback follows a completed appointment"));
        }
        let row = FeedbackRow {
            appointment_id: appointment.id.clone(),
            patient_id: appointment.patient_id.clone(),
            doctor_id: appointment.doctor_id.clone(),
            rating: i64::from(rating),
            comment: comment.trim().to_owned(),
            created_at: now_seconds(),
        };
        match store::insert_feedback(&self.db, &row).await {
            Ok(()) => Ok(row),
            Err(e) if e.is_unique_violation() => {
                Err(refusal(Code::AlreadyExists, "FEEDBACK_EXISTS", "this appointment already has feedback"))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The feedback on a visible appointment.
    pub(crate) async fn feedback(&self, caller: &Principal, id: &str) -> Result<FeedbackRow, Status> {
        let appointment = self.visible(caller, id).await?;
        store::get_feedback(&self.db, &appointment.id)
            .await?
            .ok_or_else(|| Status::not_found("this appointment has no feedback"))
    }
}
