-- Holds are released by their keys (owner, granule range, appointment), so
-- the indexes on their appointment only cost every booking a dozen index
-- entries.
DROP INDEX doctor_holds_appointment;
DROP INDEX patient_holds_appointment;
