/** Usage text of `keycard risk` (shared by its subcommand files). */
export const RISK_USAGE = `Usage:
  keycard risk explain --as EMAIL RESOURCE [DURATION] [LEVEL] [--at ISO-TIME] [--reason TEXT] [--incident KEY]
                       [--break-glass] [--policy FILE] [--json]
      Scores a hypothetical request exactly as Keycard would (including the requester's history in the
      database as it stood at --at, default now: nothing recorded later counts) and prints every factor with the
      policy weight behind it, the tier and the route. Nothing is created.
      e.g. keycard risk explain --as alice@example.com demo-db 30m write --at 2026-11-24T21:14:00+01:00
  keycard risk calibrate [--since 90d] [--until TIME] [--max-review-share 0.2] [--from PATH] [--json] [--write FILE]
                         [--html FILE]
      Outcomes per tier and per weight over the audit history, and tier bounds (and weights, where the data
      supports it) that keep the share of requests needing a human under the target. Changes nothing;
      --write FILE writes a commented policy patch to review and merge; --html FILE writes a self-contained
      page: bad outcomes (or, on a generated history, planted misuse) reaching a human against friction over
      every threshold for the current and proposed weights and static tiers, both operating points, per-kind bars.
  keycard risk simulate (--out DIR | --database) [--days 90] [--requests 50000] [--seed N] [--start YYYY-MM-DD]
                        [--warmup DAYS] [--misuse-rate 0.01]
      Generates an organisation's access history with planted misuse (labels kept in a separate file or
      key/value namespace, never in the audit log). --out DIR must be new or empty; --database writes into
      the configured, empty database.
  keycard risk evaluate [--seed N] [--days 90] [--requests 50000] [--from DIR | --database]
                        [--max-review-share 0.2] [--holdout 30d] [--json]
      Keycard's score-based routing against static per-resource tiers at the same review share, on a
      generated history: misuse reaching a human, benign requests sent to one, approval wait.
  keycard risk evaluate [--generators threat-model,risk-lab] [--calibration-seeds c1,c2,c3,c4] [--seeds h1,h2,h3]
                        [--people 400] [--requests 30000] [--days 90] [--max-review-share 0.2] [--html FILE] [--json]
                        [--misses]
      Without --seed/--from/--database: both generators, threshold calibrated on the calibration seeds,
      recall overall and per pattern, friction and static tiers at the same share on the held-out seeds.
      --people sizes the threat-model generator only, --requests the risk-lab generator only, --days both;
      --html FILE writes a self-contained page with the curves and per-pattern bars; --misses adds, on the
      calibration seeds only, the factors that fired on missed misuse and on benign requests sent to a human.
  keycard risk approvers [--since 7d] [--from PATH] [--json]
      The weekly approver report (risk.approverReport) as it would be posted now, over --since (default
      risk.approverReport.period) up to the last event: one requester getting most of an approver's approvals,
      fast approvals of high-risk requests (from thresholds.approverMinApprovals of them), approvers who never
      deny (from risk.approverReport.minDecisions decisions).
  keycard risk review --incident INC-4211 [--from PATH] [--json]
      The requests and grants linked to an incident: scores and factors, who approved, anomalies that fired.

--from PATH reads a directory written by "risk simulate --out" or an audit JSONL file ("keycard audit export");
without it the configured database is read. --policy FILE (or --policy sample, the sample organisation)
replaces the configured policy (KEYCARD_POLICY) for explain (which still reads the configured database's
history), calibrate, simulate --out, evaluate, approvers and review.`;
