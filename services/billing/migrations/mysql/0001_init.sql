-- Amounts are integer minor units (BIGINT); instants Unix microseconds;
-- civil dates ISO strings (YYYY-MM-DD), which order correctly as text.

-- Invoice and claim numbers: one row per number issued. Gaps are fine (a rolled-back
-- invoice burns its number); uniqueness comes from the auto-increment.
CREATE TABLE number_seq (
    seq BIGINT AUTO_INCREMENT PRIMARY KEY,
    -- The invoice or claim the number went to: how its issuer reads it back
    -- (sqlx's Any driver reports no last insert id on SQLite).
    owner_id VARCHAR(64) NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
) ENGINE = InnoDB;

CREATE TABLE invoices (
    id VARCHAR(64) PRIMARY KEY,
    invoice_number VARCHAR(64) NOT NULL UNIQUE,
    patient_id VARCHAR(64) NOT NULL,
    issue_date VARCHAR(10) NOT NULL,
    due_date VARCHAR(10) NOT NULL,
    currency VARCHAR(3) NOT NULL,
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    tax BIGINT NOT NULL,
    total BIGINT NOT NULL,
    paid_patient BIGINT NOT NULL DEFAULT 0,
    paid_insurance BIGINT NOT NULL DEFAULT 0,
    -- Card charges in flight: reserved so that concurrent payments can never
    -- add up to more than the total.
    pending BIGINT NOT NULL DEFAULT 0,
    status VARCHAR(32) NOT NULL,
    status_reason VARCHAR(1000) NOT NULL DEFAULT '',
    source_type VARCHAR(32) NOT NULL,
    -- NULL for manual invoices (NULLs never collide in the unique key).
    source_id VARCHAR(64),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY invoices_source (source_type, source_id),
    INDEX invoices_patient (patient_id, created_at),
    INDEX invoices_due (status, due_date),
    INDEX invoices_created (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE invoice_items (
    invoice_id VARCHAR(64) NOT NULL,
    position BIGINT NOT NULL,
    item_type VARCHAR(32) NOT NULL,
    description VARCHAR(255) NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, position)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE payments (
    id VARCHAR(64) PRIMARY KEY,
    invoice_id VARCHAR(64) NOT NULL,
    patient_id VARCHAR(64) NOT NULL,
    amount BIGINT NOT NULL,
    method VARCHAR(32) NOT NULL,
    status VARCHAR(32) NOT NULL,
    -- Scoped by who sent it: one client's key never collides with another's.
    idempotency_key VARCHAR(200) NOT NULL UNIQUE,
    -- SHA-256 of the request under that key: a different request is refused.
    fingerprint VARCHAR(64) NOT NULL,
    transaction_id VARCHAR(100) NOT NULL DEFAULT '',
    card_last4 VARCHAR(4) NOT NULL DEFAULT '',
    failure_reason VARCHAR(500) NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    INDEX payments_invoice (invoice_id, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE insurance_policies (
    id VARCHAR(64) PRIMARY KEY,
    patient_id VARCHAR(64) NOT NULL,
    provider_name VARCHAR(200) NOT NULL,
    -- lower-cased, trimmed provider name: what claims are scoped by.
    company_key VARCHAR(200) NOT NULL,
    policy_number_key_id VARCHAR(32) NOT NULL,
    policy_number_sealed BLOB NOT NULL,
    member_id VARCHAR(100) NOT NULL,
    valid_from VARCHAR(10) NOT NULL,
    valid_to VARCHAR(10) NOT NULL,
    coverage_details VARCHAR(2000) NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    INDEX policies_patient (patient_id, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE claims (
    id VARCHAR(64) PRIMARY KEY,
    claim_number VARCHAR(64) NOT NULL UNIQUE,
    invoice_id VARCHAR(64) NOT NULL,
    policy_id VARCHAR(64) NOT NULL,
    patient_id VARCHAR(64) NOT NULL,
    company_key VARCHAR(200) NOT NULL,
    claim_amount BIGINT NOT NULL,
    approved_amount BIGINT NOT NULL DEFAULT 0,
    rejected_amount BIGINT NOT NULL DEFAULT 0,
    status VARCHAR(32) NOT NULL,
    insurer_notes VARCHAR(2000) NOT NULL DEFAULT '',
    hospital_notes VARCHAR(2000) NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    INDEX claims_company (company_key, status, created_at),
    INDEX claims_created (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Who touched which invoice, how and when.
CREATE TABLE invoice_access_log (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    invoice_id VARCHAR(64) NOT NULL,
    actor_id VARCHAR(64) NOT NULL,
    actor_role VARCHAR(32) NOT NULL,
    action VARCHAR(32) NOT NULL,
    at BIGINT NOT NULL,
    INDEX access_invoice (invoice_id, at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
