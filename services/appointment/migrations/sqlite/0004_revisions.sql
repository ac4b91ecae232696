-- Every change to a service or to a doctor's schedule (blocks and exceptions)
-- bumps its revision. A booking checks the revisions it decided on inside its
-- own transaction, so it can decide from cached rows and still never commit
-- against a service or a schedule that changed meanwhile.
ALTER TABLE medical_services ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE doctor_schedules ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
