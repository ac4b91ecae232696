-- Free slots are computed from live appointments; this index covers that
-- read (no table lookups, no sort) and still serves a doctor's list.
DROP INDEX appointments_doctor;
CREATE INDEX appointments_doctor ON appointments (doctor_id, start_at, end_at, status);
