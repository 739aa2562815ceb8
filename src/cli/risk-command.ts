import { formatDuration, parseDuration } from '../core/duration.js';
import { explainRisk, type RiskExplanation } from '../core/lifecycle/queries.js';
import type { Policy } from '../core/policy/schema.js';
import { TIER_NAMES } from '../core/policy/schema.js';
import { formatPoints } from '../core/risk/assess.js';
import { formatClock } from '../core/views/format.js';
import { checkFlags, flagString, type ParsedArgs, UsageError } from './args.js';
import { withContext } from './context.js';
import type { CliIo } from './io.js';

export const RISK_USAGE = `Usage:
  keycard risk explain --as EMAIL RESOURCE [DURATION] [LEVEL] [--at ISO-TIME] [--reason TEXT] [--break-glass] [--json]

Scores a hypothetical request exactly as Keycard would (including the requester's history in the
database) and prints every factor, the tier and the approval route. Nothing is created.
  e.g. keycard risk explain --as alice@example.com demo-db 30m write --at 2026-11-24T21:14:00+01:00`;

export async function riskCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  const [sub, resource, ...rest] = args.positionals;
  if (args.flags.has('help') || sub === undefined) {
    io.out(RISK_USAGE);
    return sub === undefined && !args.flags.has('help') ? 2 : 0;
  }
  if (sub !== 'explain') throw new UsageError(`unknown risk command "${sub}"`, RISK_USAGE);
  checkFlags(args, ['as', 'at', 'json', 'reason', 'break-glass'], RISK_USAGE);
  const requester = flagString(args, 'as');
  if (!requester || !/^[^\s@]+@[^\s@]+$/.test(requester)) throw new UsageError('--as EMAIL is required (who would be asking)', RISK_USAGE);
  if (!resource) throw new UsageError('RESOURCE is required', RISK_USAGE);
  let durationMs: number | undefined;
  let level: string | undefined;
  for (const token of rest) {
    const parsed = parseDuration(token);
    if (parsed !== undefined && durationMs === undefined) durationMs = parsed;
    else if (level === undefined && /^[a-z][a-z0-9-]*$/.test(token)) level = token;
    else throw new UsageError(`unexpected argument "${token}"`, RISK_USAGE);
  }
  const atText = flagString(args, 'at');
  const at = atText ? new Date(atText) : undefined;
  if (at && Number.isNaN(at.getTime()))
    throw new UsageError(`--at "${atText}" is not an ISO time (e.g. 2026-11-24T21:14:00+01:00)`, RISK_USAGE);
  const reason = flagString(args, 'reason');

  return withContext(io, async ({ deps, policy }) => {
    const result = await explainRisk(deps, {
      requester,
      resource,
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(level !== undefined ? { level } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(at ? { at } : {}),
      breakGlass: args.flags.has('break-glass'),
    });
    if (!result.ok) {
      io.err(result.message);
      return 1;
    }
    if (args.flags.has('json')) io.out(JSON.stringify({ requester: requester.toLowerCase(), resource, ...result.value }, null, 2));
    else for (const line of explanationText(policy, requester.toLowerCase(), resource, result.value)) io.out(line);
    return 0;
  });
}

export function explanationText(policy: Policy, requester: string, resource: string, e: RiskExplanation): string[] {
  const width = Math.max(...e.assessment.factors.map((f) => f.id.length));
  const bounds = (tier: (typeof TIER_NAMES)[number]) => {
    const index = TIER_NAMES.indexOf(tier);
    const low = index === 0 ? 0 : (policy.tiers[TIER_NAMES[index - 1]!].upTo ?? 0) + 1;
    return `${low}–${tier === 'critical' ? 100 : policy.tiers[tier].upTo}`;
  };
  const r = e.route;
  const channels = Object.entries(r.channel)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const h = e.history;
  return [
    `${requester} → ${resource} (${e.level}) for ${formatDuration(e.durationMs)} at ${formatClock(e.at, policy.timezone, new Date(0))} ${policy.timezone}`,
    '',
    ...e.assessment.factors.map((f) => `  ${formatPoints(f.points).padStart(4)}  ${f.id.padEnd(width)}  ${f.reason}`),
    `  ${'-'.repeat(4)}`,
    `  ${String(e.assessment.score).padStart(4)}  score → tier ${e.assessment.tier} (${bounds(e.assessment.tier)})`,
    '',
    r.approvals === 0
      ? 'Route: auto-approved by policy (no human approval needed)'
      : `Route: ${r.approvals} approval(s) from ${r.approvers.join(', ')}${r.distinctGroups ? ' (each from a different group)' : ''}${channels ? ` · card to ${channels}` : ''} · times out after ${formatDuration(r.approvalTtlMs)} · break-glass ${r.breakGlass ? 'allowed' : 'not allowed'}`,
    `History: ${h.priorGrantsOnResource} earlier grant(s) on ${resource} (${h.cleanGrantsOnResource} clean in the window), ${h.recentDenials} recent denial(s), ${h.recentAnomalies} anomaly alert(s), ${h.requestsInVelocityWindow} request(s) in the velocity window, ${h.newResourcesLastDay} new resource(s) in the last day`,
  ];
}
