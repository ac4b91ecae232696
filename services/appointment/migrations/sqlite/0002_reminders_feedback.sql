-- One row per appointment, planned start and reminder offset: a reminder is
-- sent once (sent_at set in the same transaction as its outbox events).
CREATE TABLE reminders (
    appointment_id TEXT NOT NULL,
    offset_secs INTEGER NOT NULL,
    start_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    sent_at INTEGER,
    PRIMARY KEY (appointment_id, start_at, offset_secs)
);
CREATE INDEX reminders_due ON reminders (sent_at, due_at);

-- At most one feedback per appointment.
CREATE TABLE feedback (
    appointment_id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    doctor_id TEXT NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
