CREATE TABLE medical_services (
    id VARCHAR(64) PRIMARY KEY,
    code VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(200) NOT NULL,
    description VARCHAR(2000) NOT NULL,
    kind VARCHAR(64) NOT NULL,
    duration_minutes BIGINT NOT NULL,
    price_minor BIGINT NOT NULL,
    currency VARCHAR(64) NOT NULL,
    specialties VARCHAR(2000) NOT NULL,
    auto_confirm BIGINT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE doctor_schedules (
    doctor_id VARCHAR(64) PRIMARY KEY,
    specialty VARCHAR(100) NOT NULL,
    location VARCHAR(200) NOT NULL,
    updated_at BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE schedule_blocks (
    doctor_id VARCHAR(64) NOT NULL,
    position BIGINT NOT NULL,
    weekday BIGINT NOT NULL,
    start_minute BIGINT NOT NULL,
    end_minute BIGINT NOT NULL,
    valid_from VARCHAR(64),
    valid_to VARCHAR(64),
    PRIMARY KEY (doctor_id, position)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE schedule_exceptions (
    id VARCHAR(64) PRIMARY KEY,
    doctor_id VARCHAR(64) NOT NULL,
    kind VARCHAR(64) NOT NULL,
    start_date VARCHAR(64) NOT NULL,
    end_date VARCHAR(64) NOT NULL,
    start_minute BIGINT,
    end_minute BIGINT,
    note VARCHAR(500) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE INDEX schedule_exceptions_doctor ON schedule_exceptions (doctor_id);

CREATE TABLE appointments (
    id VARCHAR(64) PRIMARY KEY,
    patient_id VARCHAR(64) NOT NULL,
    doctor_id VARCHAR(64) NOT NULL,
    service_id VARCHAR(64) NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    status VARCHAR(64) NOT NULL,
    reason VARCHAR(1000) NOT NULL,
    doctor_notes VARCHAR(5000) NOT NULL,
    cancellation_reason VARCHAR(500) NOT NULL,
    cancelled_by VARCHAR(64) NOT NULL,
    reschedule_count BIGINT NOT NULL,
    location VARCHAR(200) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE INDEX appointments_doctor ON appointments (doctor_id, start_at);
CREATE INDEX appointments_patient ON appointments (patient_id, start_at);
CREATE INDEX appointments_service ON appointments (service_id);

-- One row per 5-minute granule a live appointment occupies: the primary keys
-- make double bookings impossible, whatever the concurrency.
CREATE TABLE doctor_holds (
    doctor_id VARCHAR(64) NOT NULL,
    granule_start BIGINT NOT NULL,
    appointment_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (doctor_id, granule_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE INDEX doctor_holds_appointment ON doctor_holds (appointment_id);

CREATE TABLE patient_holds (
    patient_id VARCHAR(64) NOT NULL,
    granule_start BIGINT NOT NULL,
    appointment_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (patient_id, granule_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE INDEX patient_holds_appointment ON patient_holds (appointment_id);
