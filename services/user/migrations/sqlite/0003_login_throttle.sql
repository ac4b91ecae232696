-- Login attempts counted per subject ("account:<user id>", "login:<digest of
-- an unknown identifier>", "address:<ip>") in a window that starts with the
-- first attempt. One row per subject, so that a single conditional UPDATE
-- can count an attempt and refuse one past the limit atomically.
CREATE TABLE login_throttle (
    subject TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    attempts INTEGER NOT NULL
);

DROP TABLE login_failures;
