//! Rules with no I/O: the starter catalog and how a result is judged.

pub mod accession;
pub mod catalog;
pub mod report;
pub mod results;
pub mod status;
