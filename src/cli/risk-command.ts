import { resolve } from 'node:path';
import { formatDuration, parseDuration } from '../core/duration.js';
import { explainRisk, type RiskExplanation } from '../core/lifecycle/queries.js';
import type { Policy } from '../core/policy/schema.js';
import { TIER_NAMES } from '../core/policy/schema.js';
import { approverPatterns } from '../core/risk/approver-patterns.js';
import { approverReportOptions, approverReportText } from '../core/risk/approver-report-text.js';
import { formatPoints } from '../core/risk/assess.js';
import { replayAudit } from '../core/risk/audit-ledger.js';
import { isIncidentKey, notAnIncidentKey } from '../core/risk/incident.js';
import { reviewIncident } from '../core/risk/incident-review.js';
import { weightsOf } from '../core/risk/risk-features.js';
import type { AuditInput } from '../core/types.js';
import { formatClock } from '../core/views/format.js';
import { evaluateHistory } from '../risk-lab/evaluate-history.js';
import { readTruthFile, writeHistoryDir } from '../risk-lab/history-files.js';
import { renderEvaluation, TIES_NOTE } from '../risk-lab/render-evaluation.js';
import { renderReview } from '../risk-lab/render-review.js';
import { isSampleOrg, SAMPLE_ORG_GROUP_TEAMS, SAMPLE_ORG_OWNERSHIP } from '../risk-lab/sample-org.js';
import { DEFAULT_SIMULATION, describeWindow, type GroundTruth, type SimulationOptions, simulateHistory } from '../risk-lab/simulate.js';
import { readStoreAudit, readStoreTruth, writeHistoryToStore } from '../risk-lab/store-history.js';
import { parseCivilDate } from '../risk-lab/zoned-time.js';
import { checkFlags, flagString, type ParsedArgs, UsageError } from './args.js';
import { withContext } from './context.js';
import type { CliIo } from './io.js';
import { calibrateCommand } from './risk-calibrate-command.js';
import { evaluateAcrossGenerators } from './risk-evaluate-command.js';
import { checkOutputDir, type LoadedPolicy, numberFlag, riskFlags, riskPolicy, shareFlag } from './risk-flags.js';
import { historyEvents, windows } from './risk-history.js';
import { RISK_USAGE } from './risk-usage.js';

export { RISK_USAGE };

const DAY_MS = 86_400_000;

export async function riskCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  const [sub] = args.positionals;
  if (args.flags.has('help') || sub === undefined) {
    io.out(RISK_USAGE);
    return sub === undefined && !args.flags.has('help') ? 2 : 0;
  }
  switch (sub) {
    case 'explain':
      return explainCommand(io, args);
    case 'calibrate':
      return calibrateCommand(io, args);
    case 'simulate':
      return simulateCommand(io, args);
    case 'evaluate':
      return evaluateCommand(io, args);
    case 'review':
      return reviewCommand(io, args);
    case 'approvers':
      return approversCommand(io, args);
    default:
      throw new UsageError(`unknown risk command "${sub}"`, RISK_USAGE);
  }
}

async function explainCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  const [, resource, ...rest] = args.positionals;
  // DURATION and LEVEL are read before checkFlags so that a stray word (a reason without --reason) is named
  // with where the reason goes; this caps the positionals at explain, RESOURCE and these two.
  let durationMs: number | undefined;
  let durationText: string | undefined;
  let level: string | undefined;
  for (const token of rest) {
    const parsed = parseDuration(token);
    if (parsed !== undefined && durationMs === undefined) {
      durationMs = parsed;
      durationText = token;
    } else if (level === undefined && /^[a-z][a-z0-9-]*$/.test(token)) level = token;
    else throw new UsageError(`unexpected argument "${token}" (give the reason with --reason "…")`, RISK_USAGE);
  }
  checkFlags(args, riskFlags('as', 'at', 'json', 'reason', 'incident', 'break-glass', 'policy'), RISK_USAGE, 4);
  const requester = flagString(args, 'as');
  if (!requester) throw new UsageError('--as EMAIL is required (who would be asking)', RISK_USAGE);
  if (!/^[^\s@]+@[^\s@]+$/.test(requester)) throw new UsageError(`--as must be an e-mail address (got "${requester}")`, RISK_USAGE);
  if (!resource) throw new UsageError('RESOURCE is required', RISK_USAGE);
  const atText = flagString(args, 'at');
  const at = atText ? new Date(atText) : undefined;
  if (at && Number.isNaN(at.getTime()))
    throw new UsageError(`--at "${atText}" is not an ISO time (e.g. 2026-11-24T21:14:00+01:00)`, RISK_USAGE);
  const reason = flagString(args, 'reason');
  const incident = flagString(args, 'incident');
  // --policy scores with a copied (say, calibrated) policy file against the configured database's history.
  const override = flagString(args, 'policy') ? (await riskPolicy(io, args)).policy : undefined;

  return withContext(
    io,
    async ({ deps, policy }) => {
      if (incident !== undefined && !isIncidentKey(incident, policy.incidents.keyPattern))
        throw new UsageError(notAnIncidentKey(`--incident ${incident}`, policy.incidents.keyPattern), RISK_USAGE);
      const result = await explainRisk(deps, {
        requester,
        resource,
        ...(durationMs !== undefined ? { durationMs, durationText } : {}),
        ...(level !== undefined ? { level } : {}),
        ...(reason !== undefined ? { reason } : {}),
        ...(incident !== undefined ? { incidentKey: incident.toUpperCase() } : {}),
        ...(at ? { at } : {}),
        breakGlass: args.flags.has('break-glass'),
      });
      if (!result.ok) {
        io.err(result.message);
        return 1;
      }
      if (args.flags.has('json'))
        io.out(JSON.stringify({ requester: requester.toLowerCase(), resource, ...result.value, weights: weightsOf(policy) }, null, 2));
      else for (const line of explanationText(policy, requester.toLowerCase(), resource, result.value)) io.out(line);
      return 0;
    },
    { readOnly: true, ...(override ? { policy: override } : {}) },
  );
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
  const w = policy.risk.factors;
  // The policy weights behind the factors, so an operator sees calibrated values where they apply.
  const weights = [
    `sensitivity ${Object.entries(policy.risk.sensitivity)
      .map(([k, v]) => `${k} ${v}`)
      .join('/')}`,
    `levels ${Object.entries(policy.risk.levels)
      .map(([k, v]) => `${k} ${v}`)
      .join('/')}`,
    ...Object.entries(w).map(([k, v]) => `${k} ${formatPoints(v)}`),
  ];
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
    `Weights in use (policy risk.*): ${weights.join(', ')}`,
  ];
}

// ---- helpers shared by the risk-lab subcommands ----

function simulationFlags(args: ParsedArgs, policy: LoadedPolicy): SimulationOptions {
  const startText = flagString(args, 'start');
  const start = startText ? parseCivilDate(startText) : DEFAULT_SIMULATION.start;
  if (!start) throw new UsageError(`--start must be a date like 2026-01-05 (got "${startText}")`, RISK_USAGE);
  const whole = (n: number) => Number.isInteger(n) && n > 0;
  const warmup = flagString(args, 'warmup');
  return {
    seed: flagString(args, 'seed') ?? '1',
    days: numberFlag(args, 'days', DEFAULT_SIMULATION.days, (n) => whole(n) && n <= 3650, 'a whole number of days'),
    requests: numberFlag(args, 'requests', DEFAULT_SIMULATION.requests, (n) => whole(n) && n <= 5_000_000, 'a whole number'),
    misuseRate: numberFlag(args, 'misuse-rate', DEFAULT_SIMULATION.misuseRate, (n) => n >= 0 && n < 0.5, 'a share such as 0.01'),
    start,
    ...(warmup !== undefined
      ? { warmupDays: numberFlag(args, 'warmup', 0, (n) => Number.isInteger(n) && n >= 0, 'a whole number of days') }
      : {}),
    ...(policy.sample ? { ownership: SAMPLE_ORG_OWNERSHIP, groupTeams: SAMPLE_ORG_GROUP_TEAMS } : {}),
  };
}

// ---- simulate ----

async function simulateCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  checkFlags(
    args,
    riskFlags('out', 'database', 'days', 'requests', 'seed', 'start', 'warmup', 'misuse-rate', 'policy', 'json'),
    RISK_USAGE,
    1,
  );
  const out = flagString(args, 'out');
  const database = args.flags.has('database');
  if (!out === !database) throw new UsageError('say where the history goes: --out DIR or --database', RISK_USAGE);
  if (database && flagString(args, 'policy'))
    throw new UsageError('--database uses the configured policy; --policy goes with --out', RISK_USAGE);
  if (out) await checkOutputDir(io, 'out', out);

  const run = async (policy: LoadedPolicy, write: (history: ReturnType<typeof simulateHistory>) => Promise<string>) => {
    const options = simulationFlags(args, policy);
    const started = performance.now();
    const history = simulateHistory(policy.policy, options);
    const generated = performance.now();
    const where = await write(history);
    const written = performance.now();
    const timing = { generateMs: Math.round(generated - started), writeMs: Math.round(written - generated) };
    if (args.flags.has('json')) io.out(JSON.stringify({ ...history.summary, window: history.window, where, ...timing }, null, 2));
    else {
      const s = history.summary;
      for (const line of [
        `Generated seed ${s.seed}: ${s.people} people in ${s.teams} teams (${s.newJoiners} joining during the period), ${s.incidents} incidents,`,
        `  ${s.windowRequests.toLocaleString('en-US')} requests in the ${options.days}-day window ${describeWindow(history, policy.policy.timezone)} (+${s.warmupRequests.toLocaleString('en-US')} in the warm-up before it),`,
        `  ${s.misuseRequests} planted misuse requests in the window (${s.misuseCampaigns} campaigns in all), ${s.events.toLocaleString('en-US')} audit events.`,
        `Wrote ${where} (generated in ${(timing.generateMs / 1000).toFixed(1)} s, written in ${(timing.writeMs / 1000).toFixed(1)} s).`,
      ])
        io.out(line);
    }
    return 0;
  };

  if (out) {
    const dir = resolve(io.cwd, out);
    const policy = await riskPolicy(io, args);
    return run(policy, async (history) => {
      await writeHistoryDir(dir, history, policy.text);
      return `${out}/ (audit.jsonl; labels in ground-truth.json)`;
    });
  }
  return withContext(io, (ctx) =>
    run({ policy: ctx.policy, text: '', sample: isSampleOrg(ctx.policy) }, async (history) => {
      await writeHistoryToStore(ctx.store, ctx.policy, history.events, history.truth, (phase, done, total) => {
        if (done === total || done % 20_000 < 500) io.err(`  ${phase}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
      });
      return 'the configured database (labels in the kv namespace risk-lab)';
    }),
  );
}

// ---- evaluate ----

async function evaluateCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  if (!args.flags.has('seed') && !args.flags.has('from') && !args.flags.has('database')) return evaluateAcrossGenerators(io, args);
  // Options of the two-generator evaluation, given with one history: say which mode takes them.
  const acrossOnly = ['generators', 'calibration-seeds', 'seeds', 'people', 'html', 'misses'].filter((f) => args.flags.has(f));
  if (acrossOnly.length > 0)
    throw new UsageError(
      `${acrossOnly.map((f) => `--${f}`).join(', ')} ${acrossOnly.length === 1 ? 'belongs' : 'belong'} to the two-generator evaluation (risk evaluate without --seed, --from or --database)`,
      RISK_USAGE,
    );
  checkFlags(
    args,
    riskFlags(
      'seed',
      'days',
      'requests',
      'start',
      'warmup',
      'misuse-rate',
      'from',
      'database',
      'max-review-share',
      'holdout',
      'policy',
      'json',
    ),
    RISK_USAGE,
    1,
  );
  // The generated history in the database was written under the configured policy, which evaluate then reads.
  if (args.flags.has('database') && flagString(args, 'policy'))
    throw new UsageError('--database uses the configured policy; --policy goes with --from or --seed', RISK_USAGE);
  const maxReviewShare = shareFlag(args);
  const holdoutText = flagString(args, 'holdout');
  const holdoutMs = holdoutText === undefined ? undefined : holdoutText === '0' ? 0 : parseDuration(holdoutText);
  if (holdoutText !== undefined && holdoutMs === undefined)
    throw new UsageError(`--holdout must be a duration such as 30d, or 0 (got "${holdoutText}")`, RISK_USAGE);

  let events: readonly AuditInput[];
  let truth: GroundTruth;
  let policy: Policy;
  let heading: string;
  const from = flagString(args, 'from');
  if (from) {
    const loaded = await historyEvents(io, args);
    if (!loaded.truthPath) throw new UsageError(`${from} has no ground-truth.json: evaluate needs a generated history`, RISK_USAGE);
    events = loaded.events;
    truth = await readTruthFile(loaded.truthPath);
    policy = loaded.policy.policy;
    heading = `Evaluation of ${from} (seed ${truth.seed})`;
  } else if (args.flags.has('database')) {
    const loaded = await withContext(
      io,
      async (ctx) => ({
        events: await readStoreAudit(ctx.store),
        truth: await readStoreTruth(ctx.store),
        policy: ctx.policy,
      }),
      { readOnly: true },
    );
    if (!loaded.truth)
      throw new UsageError('the database holds no generated history (run keycard risk simulate --database first)', RISK_USAGE);
    ({ events, policy } = loaded);
    truth = loaded.truth;
    heading = `Evaluation of the generated history in the database (seed ${truth.seed})`;
  } else {
    const loaded = await riskPolicy(io, args);
    const options = simulationFlags(args, loaded);
    const history = simulateHistory(loaded.policy, options);
    ({ events, truth } = history);
    policy = loaded.policy;
    const s = history.summary;
    heading = `Evaluation on a generated history: seed ${s.seed}, ${options.days} days, ${s.windowRequests.toLocaleString('en-US')} requests, ${s.people} people, ${s.misuseRequests} planted misuse requests`;
  }
  const window = { start: new Date(truth.window.start), end: new Date(truth.window.end) };
  const days = Math.round((window.end.getTime() - window.start.getTime()) / DAY_MS);
  const result = evaluateHistory(policy, events, truth.misuse, {
    window,
    holdoutMs: holdoutMs ?? Math.max(1, Math.round(days / 3)) * DAY_MS,
    maxReviewShare,
  });
  if (args.flags.has('json')) io.out(JSON.stringify({ heading, counts: TIES_NOTE, ...result }, null, 2));
  else for (const line of renderEvaluation(result, heading, policy.timezone)) io.out(line);
  return 0;
}

// ---- approvers ----

async function approversCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  checkFlags(args, riskFlags('since', 'from', 'policy', 'json'), RISK_USAGE, 1);
  const sinceText = flagString(args, 'since');
  const sinceMs = sinceText === undefined ? undefined : parseDuration(sinceText);
  if (sinceText !== undefined && sinceMs === undefined)
    throw new UsageError(`--since must be a duration longer than zero, such as 7d (got "${sinceText}")`, RISK_USAGE);
  const { events, policy } = await historyEvents(io, args);
  if (events.length === 0) {
    io.err('The audit history is empty: there are no approvals to report on.');
    return 1;
  }
  const until = new Date(events[events.length - 1]!.at.getTime() + 1);
  // The weekly report's thresholds and period, so that this previews what the security channel gets.
  const since = new Date(until.getTime() - (sinceMs ?? policy.policy.risk.approverReport.period));
  const report = approverPatterns(
    replayAudit(events, windows(policy.policy)).requests(),
    approverReportOptions(policy.policy, since, until),
  );
  if (args.flags.has('json')) io.out(JSON.stringify(report, null, 2));
  else io.out(approverReportText(policy.policy, report, since, until, 'Approver report'));
  return 0;
}

// ---- review ----

async function reviewCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  checkFlags(args, riskFlags('incident', 'from', 'policy', 'json'), RISK_USAGE, 1);
  const incident = flagString(args, 'incident');
  if (!incident) throw new UsageError('--incident KEY is required (e.g. --incident INC-4211)', RISK_USAGE);
  // Refused as risk explain refuses it: a key the policy's pattern cannot match would find nothing anyway.
  const { events, policy } = await historyEvents(io, args, {
    checkPolicy: (p) => {
      if (!isIncidentKey(incident, p.incidents.keyPattern))
        throw new UsageError(notAnIncidentKey(`--incident ${incident}`, p.incidents.keyPattern), RISK_USAGE);
    },
  });
  const review = reviewIncident(replayAudit(events, windows(policy.policy)).requests(), incident);
  if (args.flags.has('json')) io.out(JSON.stringify(review, null, 2));
  else for (const line of renderReview(review, policy.policy.timezone)) io.out(line);
  return review.grants.length === 0 ? 1 : 0;
}
