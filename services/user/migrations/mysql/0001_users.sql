-- Accounts. *_key columns hold the lower-cased value so uniqueness is
-- case-insensitive on every backend.
CREATE TABLE users (
    id VARCHAR(36) PRIMARY KEY,
    username VARCHAR(150) NOT NULL,
    username_key VARCHAR(150) NOT NULL,
    email VARCHAR(254) NOT NULL,
    email_key VARCHAR(254) NOT NULL,
    phone_number VARCHAR(20),
    first_name VARCHAR(150) NOT NULL,
    last_name VARCHAR(150) NOT NULL,
    role VARCHAR(32) NOT NULL,
    is_active BIGINT NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    preferred_language VARCHAR(8) NOT NULL,
    profile_picture_url VARCHAR(500) NOT NULL,
    profile_body LONGBLOB,
    profile_key_id VARCHAR(64),
    date_joined BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY users_username_key (username_key),
    UNIQUE KEY users_email_key (email_key),
    UNIQUE KEY users_phone_number (phone_number),
    KEY users_role (role, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE sessions (
    id VARCHAR(36) PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_reason VARCHAR(64),
    KEY sessions_user (user_id),
    CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Refresh tokens are stored as SHA-256 digests; a used one is kept so its
-- reuse can be detected.
CREATE TABLE refresh_tokens (
    token_hash CHAR(64) PRIMARY KEY,
    session_id VARCHAR(36) NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    KEY refresh_tokens_session (session_id),
    CONSTRAINT refresh_tokens_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE password_resets (
    token_hash CHAR(64) PRIMARY KEY,
    user_id VARCHAR(36) NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    CONSTRAINT password_resets_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE auth_events (
    id VARCHAR(36) PRIMARY KEY,
    kind VARCHAR(64) NOT NULL,
    user_id VARCHAR(36),
    actor_id VARCHAR(64),
    client_address VARCHAR(64) NOT NULL,
    success BIGINT NOT NULL,
    detail VARCHAR(255) NOT NULL,
    created_at BIGINT NOT NULL,
    KEY auth_events_user (user_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Failed logins, by subject ("account:<username>" or "address:<ip>").
CREATE TABLE login_failures (
    id VARCHAR(36) PRIMARY KEY,
    subject VARCHAR(300) NOT NULL,
    failed_at BIGINT NOT NULL,
    KEY login_failures_subject (subject, failed_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Ed25519 signing keys; the private half sealed with the encryption key.
CREATE TABLE signing_keys (
    kid VARCHAR(36) PRIMARY KEY,
    private_sealed BLOB NOT NULL,
    sealing_key_id VARCHAR(64) NOT NULL,
    public_x VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
