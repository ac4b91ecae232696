-- Login attempts counted per subject ("account:<user id>", "login:<digest of
-- an unknown identifier>", "address:<ip>") in a window that starts with the
-- first attempt. One row per subject, so that a single conditional UPDATE
-- can count an attempt and refuse one past the limit atomically.
CREATE TABLE login_throttle (
    subject VARCHAR(128) PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

DROP TABLE login_failures;
