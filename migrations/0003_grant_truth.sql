ALTER TABLE "access_requests" DROP CONSTRAINT "access_requests_status_check";
--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_status_check" CHECK (status in ('pending', 'approved', 'active', 'denied', 'cancelled', 'timed_out', 'failed', 'revoking', 'revoked', 'expired', 'revoke_failed', 'merged', 'lost'));
