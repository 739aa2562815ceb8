CREATE TABLE "inbound_events" (
	"source" text NOT NULL,
	"key" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "inbound_events_pkey" PRIMARY KEY("source","key")
);
--> statement-breakpoint
CREATE INDEX "inbound_events_expires_at_idx" ON "inbound_events" USING btree ("expires_at");
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "key_id" text;
