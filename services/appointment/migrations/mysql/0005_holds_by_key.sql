-- Holds are released by their keys (owner, granule range, appointment), so
-- the indexes on their appointment only cost every booking a dozen index
-- entries.
DROP INDEX doctor_holds_appointment ON doctor_holds;
DROP INDEX patient_holds_appointment ON patient_holds;
