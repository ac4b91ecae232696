-- The admin dashboard's figures: revenue reads successful payments by time,
-- claim counts read claims by status.
CREATE INDEX payments_status ON payments (status, created_at);
CREATE INDEX claims_status ON claims (status);
