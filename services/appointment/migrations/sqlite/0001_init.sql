CREATE TABLE medical_services (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    price_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    specialties TEXT NOT NULL,
    auto_confirm INTEGER NOT NULL,
    active INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE doctor_schedules (
    doctor_id TEXT PRIMARY KEY,
    specialty TEXT NOT NULL,
    location TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE schedule_blocks (
    doctor_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    weekday INTEGER NOT NULL,
    start_minute INTEGER NOT NULL,
    end_minute INTEGER NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    PRIMARY KEY (doctor_id, position)
);

CREATE TABLE schedule_exceptions (
    id TEXT PRIMARY KEY,
    doctor_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    start_minute INTEGER,
    end_minute INTEGER,
    note TEXT NOT NULL
);
CREATE INDEX schedule_exceptions_doctor ON schedule_exceptions (doctor_id);

CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    doctor_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    doctor_notes TEXT NOT NULL,
    cancellation_reason TEXT NOT NULL,
    cancelled_by TEXT NOT NULL,
    reschedule_count INTEGER NOT NULL,
    location TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX appointments_doctor ON appointments (doctor_id, start_at);
CREATE INDEX appointments_patient ON appointments (patient_id, start_at);
CREATE INDEX appointments_service ON appointments (service_id);

-- One row per 5-minute granule a live appointment occupies: the primary keys
-- make double bookings impossible, whatever the concurrency.
CREATE TABLE doctor_holds (
    doctor_id TEXT NOT NULL,
    granule_start INTEGER NOT NULL,
    appointment_id TEXT NOT NULL,
    PRIMARY KEY (doctor_id, granule_start)
);
CREATE INDEX doctor_holds_appointment ON doctor_holds (appointment_id);

CREATE TABLE patient_holds (
    patient_id TEXT NOT NULL,
    granule_start INTEGER NOT NULL,
    appointment_id TEXT NOT NULL,
    PRIMARY KEY (patient_id, granule_start)
);
CREATE INDEX patient_holds_appointment ON patient_holds (appointment_id);
