-- The approver-rubber-stamp factor reads what a requester's usual approver decided within the history window
-- (approvals and denials, how fast they approved high-risk requests): their rows by approver and time.
CREATE INDEX IF NOT EXISTS "approvals_approver_created_idx" ON "approvals" USING btree ("approver", "created_at");
