-- Every audit event is inserted unchained (seq null) and updated once chained, and an access request is
-- updated at each step of its life; neither update can be HOT (seq, and status in the partial indexes'
-- predicates, are indexed), so each writes a new entry into every index whose predicate the row meets.
-- Entries no query can use are left out: the chain's order only ever matters for chained events (every
-- read of seq asks for chained ones), and only extensions have a parent (an equality on parent_id,
-- as in listings and the foreign key's check, implies it is not null).
DROP INDEX IF EXISTS "audit_events_seq_key";
--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_seq_key" ON "audit_events" USING btree ("seq") WHERE seq is not null;
--> statement-breakpoint
DROP INDEX IF EXISTS "access_requests_parent_idx";
--> statement-breakpoint
CREATE INDEX "access_requests_parent_idx" ON "access_requests" USING btree ("parent_id") WHERE parent_id is not null;
