-- The token a refresh token was rotated into: a retry of that refresh whose
-- answer was lost (the page reloaded mid-request) may rotate again while the
-- successor is unused, instead of counting as reuse.
ALTER TABLE refresh_tokens ADD COLUMN replaced_by CHAR(64) NULL;
