-- One row per appointment, planned start and reminder offset: a reminder is
-- sent once (sent_at set in the same transaction as its outbox events).
CREATE TABLE reminders (
    appointment_id VARCHAR(64) NOT NULL,
    offset_secs BIGINT NOT NULL,
    start_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    sent_at BIGINT,
    PRIMARY KEY (appointment_id, start_at, offset_secs),
    KEY reminders_due (sent_at, due_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- At most one feedback per appointment.
CREATE TABLE feedback (
    appointment_id VARCHAR(64) PRIMARY KEY,
    patient_id VARCHAR(64) NOT NULL,
    doctor_id VARCHAR(64) NOT NULL,
    rating BIGINT NOT NULL,
    comment VARCHAR(2000) NOT NULL,
    created_at BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
