//! The use cases of the EHR: each decides access, runs against the store and
//! audits the attempt. They answer in gRPC statuses (the refusals carry their
//! stable reasons) and hand back documents, free text already unsealed.

mod access;
mod care;
mod crypt;
mod encounters;
mod records;
mod references;

use std::time::Duration;

use crate::domain::status::Status as Stage;
use crate::store::{EncounterDoc, Store};

pub use crypt::{Crypt, NotesText, PlanText};
pub use encounters::{OpenEncounter, VitalsTarget};
pub use records::OpenRecord;

/// References shown with a record or an encounter.
const REFERENCES_SHOWN: usize = 50;
/// Read-modify-write attempts of appends (diagnoses, plans, vitals) before
/// giving up with ABORTED: an append is never an overwrite, so retrying after
/// a concurrent write is safe.
const APPEND_ATTEMPTS: u64 = 16;

/// The kinds of clinical references.
pub const PRESCRIPTION: &str = "PRESCRIPTION";
pub const LAB_RESULT: &str = "LAB_RESULT";

pub struct State {
    pub store: Store,
    pub crypt: Crypt,
    pub zone: jiff::tz::TimeZone,
    pub break_glass: Duration,
    /// How long a completed visit keeps the care relationship.
    pub care_retention: Duration,
}

pub fn stage(e: &EncounterDoc) -> Stage {
    // Only this service writes the field; an unknown value reads as closed.
    Stage::parse(&e.status).unwrap_or(Stage::Cancelled)
}

pub fn encounter_resource(id: &str) -> String {
    format!("encounter/{id}")
}
