-- Accounts. *_key columns hold the lower-cased value so uniqueness is
-- case-insensitive on every backend.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    phone_number TEXT UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    role TEXT NOT NULL,
    is_active INTEGER NOT NULL,
    password_hash TEXT NOT NULL,
    preferred_language TEXT NOT NULL,
    profile_picture_url TEXT NOT NULL,
    -- The role's profile, protobuf-encoded; sealed (AES-256-GCM) when
    -- profile_key_id is set, which it always is for patients.
    profile_body BLOB,
    profile_key_id TEXT,
    date_joined INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX users_role ON users (role, id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens are stored as SHA-256 digests; a used one is kept so its
-- reuse can be detected.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

CREATE TABLE auth_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT,
    actor_id TEXT,
    client_address TEXT NOT NULL,
    success INTEGER NOT NULL,
    detail TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX auth_events_user ON auth_events (user_id, id);

-- Failed logins, by subject ("account:<username>" or "address:<ip>").
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, failed_at);

-- Ed25519 signing keys; the private half sealed with the encryption key.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    private_sealed BLOB NOT NULL,
    sealing_key_id TEXT NOT NULL,
    public_x TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);
