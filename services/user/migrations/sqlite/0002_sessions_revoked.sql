-- The revocation feed reads the sessions revoked recently (the ones whose
-- access tokens may still be valid) by revocation time.
CREATE INDEX sessions_revoked ON sessions (revoked_at);
