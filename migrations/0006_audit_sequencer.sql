-- Audit events are written unchained by the transactions that produce them and chained shortly after by
-- the sequencer (one at a time across replicas, under the chain's lock): id is insertion order, seq the
-- chain's order, and the chain columns stay null until then.
CREATE SEQUENCE "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "id" bigint;
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "mac" text;
--> statement-breakpoint
UPDATE "audit_events" SET "id" = "seq";
--> statement-breakpoint
SELECT setval('audit_events_id_seq', greatest((SELECT max("id") FROM "audit_events"), 1), (SELECT count(*) > 0 FROM "audit_events"));
--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "id" SET DEFAULT nextval('audit_events_id_seq');
--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "id" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_pkey";
--> statement-breakpoint
ALTER TABLE "audit_events" ADD PRIMARY KEY ("id");
--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "seq" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "prev_hash" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "hash" DROP NOT NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_seq_key" ON "audit_events" USING btree ("seq");
--> statement-breakpoint
CREATE INDEX "audit_events_unchained_idx" ON "audit_events" USING btree ("id") WHERE seq is null;
--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_chained_check" CHECK ((seq is null) = (hash is null) and (seq is null) = (prev_hash is null));
