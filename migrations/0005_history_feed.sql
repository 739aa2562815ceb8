-- The scoring cache's change feed reads rows updated, and approvals given, since its last read.
CREATE INDEX "access_requests_updated_idx" ON "access_requests" USING btree ("updated_at");
--> statement-breakpoint
CREATE INDEX "approvals_created_idx" ON "approvals" USING btree ("created_at");
