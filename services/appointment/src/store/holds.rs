//! The holds: one row per 5-minute granule of a doctor's and a patient's
//! time, whose primary keys keep an appointment from overlapping another.

use hms_kit::storage::{Backend, ScriptError, Statement, Transient, execute_script};
use sqlx::{Any, Transaction};

use super::AppointmentRow;
use crate::domain::{granule_of, granules};

/// Why holds could not be taken.
#[derive(Debug)]
pub enum HoldError {
    DoctorTaken,
    PatientBusy,
    /// The service (deactivated or edited) or the doctor's schedule changed
    /// after the booking read them: decide again on fresh rows.
    Changed,
    Store(sqlx::Error),
}

impl From<sqlx::Error> for HoldError {
    fn from(e: sqlx::Error) -> Self {
        HoldError::Store(e)
    }
}

/// A deadlock or lock timeout: the transaction did nothing and may be retried.
impl Transient for HoldError {
    fn is_transient(&self) -> bool {
        matches!(self, HoldError::Store(e) if e.is_transient())
    }
}

/// Writes the holds of `[start, end)`; doctor first, so the error says which.
pub(super) async fn take_holds(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    appointment_id: &str,
    doctor_id: &str,
    patient_id: &str,
    start: i64,
    end: i64,
) -> Result<(), HoldError> {
    let holds = hold_inserts(appointment_id, doctor_id, patient_id, start, end);
    execute_script(tx, backend, &holds).await.map_err(hold_refusal)?;
    Ok(())
}

/// The statements writing the holds of `[start, end)`: the doctor's, then
/// the patient's (see [`hold_refusal`]).
pub(super) fn hold_inserts<'a>(
    appointment_id: &'a str,
    doctor_id: &'a str,
    patient_id: &'a str,
    start: i64,
    end: i64,
) -> [Statement<'a>; 2] {
    let granules = granules(start, end);
    let values = vec!["(?, ?, ?)"; granules.len()].join(", ");
    [("doctor_holds", "doctor_id", doctor_id), ("patient_holds", "patient_id", patient_id)].map(
        |(table, column, owner)| {
            let args = granules.iter().flat_map(|g| [owner.into(), (*g).into(), appointment_id.into()]).collect();
            Statement::new(
                format!("INSERT INTO {table} ({column}, granule_start, appointment_id) VALUES {values}"),
                args,
            )
        },
    )
}

/// A script that began with [`hold_inserts`] failed: a taken hold is the
/// doctor's or the patient's, known by the failing statement.
pub(super) fn hold_refusal(e: ScriptError) -> HoldError {
    if !hms_kit::error::is_unique_violation(&e.error) {
        return e.error.into();
    }
    match e.at {
        Some(0) => HoldError::DoctorTaken,
        Some(1) => HoldError::PatientBusy,
        _ => e.error.into(),
    }
}

/// Releases the holds of `held` as it is stored (doctor, patient and time as
/// this transaction sees them). The holds are found by their keys: an index
/// on their appointment would cost every booking a dozen index entries more.
pub(super) async fn release_holds(tx: &mut Transaction<'_, Any>, held: &AppointmentRow) -> Result<(), sqlx::Error> {
    for (table, column, owner) in
        [("doctor_holds", "doctor_id", &held.doctor_id), ("patient_holds", "patient_id", &held.patient_id)]
    {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE {column} = ? AND granule_start >= ? AND granule_start < ? AND appointment_id = ?"
        ))
        .bind(owner)
        .bind(granule_of(held.start_at))
        .bind(held.end_at)
        .bind(&held.id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
