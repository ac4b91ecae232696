-- Reminders are found from the appointments themselves: a booking writes no
-- reminder rows (they cost it a statement and four index entries), and a
-- reminders row now records one that was sent. start_set_at is when the
-- appointment got its current start: a reminder already due then is skipped.
ALTER TABLE appointments ADD COLUMN start_set_at BIGINT NOT NULL DEFAULT 0;
UPDATE appointments SET start_set_at = CASE WHEN reschedule_count = 0 THEN created_at ELSE updated_at END;
CREATE INDEX appointments_start ON appointments (start_at);
DELETE FROM reminders WHERE sent_at IS NULL;
DROP INDEX reminders_due ON reminders;
