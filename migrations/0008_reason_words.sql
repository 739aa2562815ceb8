-- The borrowed-reason factor asks how many other people gave the same reason within the history window.
-- A reason's words (lower-cased, every run of anything but a-z and 0-9 one space, trimmed: the SQL form of
-- normaliseReason) are kept in a generated column, indexed with the requester and the creation time, so the
-- count of distinct people (up to REASON_PEERS_CAP) is a short index-only scan however often a sentence was given. Only access requests are asked about. Adding a stored generated column
-- rewrites the table once (seconds for a million requests), under the migration lock like every migration.
ALTER TABLE "access_requests" ADD COLUMN IF NOT EXISTS "reason_words" text GENERATED ALWAYS AS (btrim(regexp_replace(lower("reason"), '[^a-z0-9]+', ' ', 'g'))) STORED;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "access_requests_reason_words_idx" ON "access_requests" USING btree ("reason_words", "requester", "created_at") WHERE kind = 'access';
