CREATE SEQUENCE "public"."request_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "access_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" integer DEFAULT nextval('request_number_seq') NOT NULL,
	"kind" text NOT NULL,
	"parent_id" uuid,
	"requester" text NOT NULL,
	"resource" text NOT NULL,
	"level" text NOT NULL,
	"duration_ms" bigint NOT NULL,
	"reason" text NOT NULL,
	"incident_key" text,
	"break_glass" boolean NOT NULL,
	"status" text NOT NULL,
	"score" integer NOT NULL,
	"tier" text NOT NULL,
	"factors" jsonb NOT NULL,
	"approvals_required" integer NOT NULL,
	"approver_groups" jsonb NOT NULL,
	"distinct_groups" boolean NOT NULL,
	"approval_expires_at" timestamp with time zone,
	"remind_at" timestamp with time zone,
	"reminded_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"activated_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"end_reason" text,
	"ended_by" text,
	"provider" text NOT NULL,
	"grant_ref" jsonb,
	"credential_fingerprint" text,
	"attempts" integer NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_error" text,
	"notices_sent" jsonb NOT NULL,
	"next_notice_at" timestamp with time zone,
	"review_required" boolean NOT NULL,
	"reviewed_by" text,
	"reviewed_at" timestamp with time zone,
	"origin" jsonb NOT NULL,
	CONSTRAINT "access_requests_number_key" UNIQUE("number"),
	CONSTRAINT "access_requests_status_check" CHECK (status in ('pending', 'approved', 'active', 'denied', 'cancelled', 'timed_out', 'failed', 'revoking', 'revoked', 'expired', 'revoke_failed', 'merged')),
	CONSTRAINT "access_requests_kind_check" CHECK (kind in ('access', 'extension')),
	CONSTRAINT "access_requests_end_reason_check" CHECK (end_reason in ('expired', 'released', 'revoked'))
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"approver" text NOT NULL,
	"decision" text NOT NULL,
	"groups" jsonb NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "approvals_request_approver_key" UNIQUE("request_id","approver"),
	CONSTRAINT "approvals_decision_check" CHECK (decision in ('approve', 'deny'))
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"request_id" uuid,
	"details" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kv_state" (
	"namespace" text NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "kv_state_pkey" PRIMARY KEY("namespace","key")
);
--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_parent_id_access_requests_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."access_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_request_id_access_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."access_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_requests_expires_idx" ON "access_requests" USING btree ("expires_at") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "access_requests_next_attempt_idx" ON "access_requests" USING btree ("next_attempt_at") WHERE status in ('approved', 'revoking', 'revoke_failed');--> statement-breakpoint
CREATE INDEX "access_requests_approval_expires_idx" ON "access_requests" USING btree ("approval_expires_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "access_requests_remind_idx" ON "access_requests" USING btree ("remind_at") WHERE status = 'pending' and reminded_at is null;--> statement-breakpoint
CREATE INDEX "access_requests_next_notice_idx" ON "access_requests" USING btree ("next_notice_at") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "access_requests_requester_resource_idx" ON "access_requests" USING btree ("requester","resource","created_at");--> statement-breakpoint
CREATE INDEX "access_requests_requester_created_idx" ON "access_requests" USING btree ("requester","created_at");--> statement-breakpoint
CREATE INDEX "access_requests_parent_idx" ON "access_requests" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_events_request_idx" ON "audit_events" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "audit_events_anomaly_requester_idx" ON "audit_events" USING btree (("details"->>'requester'),"at") WHERE action = 'anomaly.detected';