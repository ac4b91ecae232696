-- Instants are Unix microseconds; values are canonical JSON text.

-- Keys set by an admin; a key without a row has its default.
CREATE TABLE config_values (
    config_key VARCHAR(100) PRIMARY KEY,
    value_json VARCHAR(4000) NOT NULL,
    -- Changes made to the key: the optimistic-concurrency version.
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by VARCHAR(64) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The one row every configuration change updates first: the row lock
-- orders changes, so revisions commit in the order they are issued and a
-- watcher reading `revision > n` never skips one committed late.
CREATE TABLE config_head (
    id INTEGER PRIMARY KEY,
    revision BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
INSERT INTO config_head (id, revision) VALUES (1, 0);

CREATE TABLE config_changes (
    revision BIGINT PRIMARY KEY,
    config_key VARCHAR(100) NOT NULL,
    old_json VARCHAR(4000) NOT NULL,
    new_json VARCHAR(4000) NOT NULL,
    version BIGINT NOT NULL,
    actor_id VARCHAR(64) NOT NULL,
    actor_role VARCHAR(32) NOT NULL,
    client_address VARCHAR(64) NOT NULL,
    changed_at BIGINT NOT NULL,
    reason VARCHAR(2000) NOT NULL,
    UNIQUE (config_key, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The admin audit log: append-only, hash-chained. The head row holds the
-- last sequence and hash; appending updates it first, which serialises
-- appenders (two cannot chain onto the same entry).
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash VARCHAR(64) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    -- The reporting service's outbox event id: a redelivery meets this key.
    entry_id VARCHAR(64) NOT NULL UNIQUE,
    service VARCHAR(64) NOT NULL,
    actor_id VARCHAR(64) NOT NULL,
    actor_role VARCHAR(32) NOT NULL,
    action VARCHAR(100) NOT NULL,
    target_type VARCHAR(64) NOT NULL,
    target_id VARCHAR(128) NOT NULL,
    action_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    client_address VARCHAR(64) NOT NULL,
    before_summary VARCHAR(4000) NOT NULL,
    after_summary VARCHAR(4000) NOT NULL,
    prev_hash VARCHAR(64) NOT NULL,
    hash VARCHAR(64) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq);
CREATE INDEX audit_log_service ON audit_log (service, seq);
CREATE INDEX audit_log_time ON audit_log (action_at);
