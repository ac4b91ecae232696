//! Pure rules of the EHR: the encounter state machine, the form checks of
//! clinical data (ICD-10 codes, vital-sign ranges, blood types), care
//! relationships from appointments and the table of common ICD-10 codes
//! with its search. No I/O here. (The audit hash chain is the kit's
//! `hms_kit::docstore::audit`.)

pub mod care;
pub mod icd10;
pub mod status;
pub mod validate;
