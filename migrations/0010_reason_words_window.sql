-- 0008 indexed (reason_words, requester, created_at), so a count stopped after 50 people. Before Postgres 18
-- an index cannot skip over its middle column, so that scan also read every out-of-window use of a sentence,
-- forever growing. Indexed by time instead (covering the requester, still index-only), a count reads only the
-- sentence's uses within the window.
DROP INDEX IF EXISTS "access_requests_reason_words_idx";
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "access_requests_reason_words_idx" ON "access_requests" USING btree ("reason_words", "created_at") INCLUDE ("requester") WHERE kind = 'access';
