//! Pure rules of the EHR: the encounter state machine, the form checks of
//! clinical data (ICD-10 codes, vital-sign ranges, blood types), care
//! relationships from appointments and the audit hash chain. No I/O here.

pub mod audit;
pub mod care;
pub mod status;
pub mod validate;
