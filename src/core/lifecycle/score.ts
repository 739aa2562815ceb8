import type { ResolvedResource } from '../policy/access.js';
import type { Policy } from '../policy/schema.js';
import type { ResponderAnswer } from '../ports/incident-responders.js';
import type { Store } from '../ports/store.js';
import type { PastRequest, RequesterHabits } from '../risk/habits.js';
import { computeHabits, needsReasonPeers, ticketPatternOf, ticketsIn, usualApproverToCheck } from '../risk/habits.js';
import type { ScoringCache } from '../risk/history-cache.js';
import { assessAsSubmitted } from '../risk/risk-features.js';
import type { ApproverRecord, RequesterHistory, RequestKind, RiskAssessment } from '../types.js';
import type { CoreDeps } from './deps.js';
import { responderOf } from './incident-responder.js';
import { onCallOf } from './on-call.js';

const DAY_MS = 86_400_000;

export interface ScoreInput {
  requester: string;
  resource: ResolvedResource;
  level: string;
  durationMs: number;
  reason: string;
  incidentKey: string | null;
  breakGlass: boolean;
  kind: RequestKind;
  at: Date;
  /**
   * What the score reads, already under way (`startScoringReads`): submission starts them alongside its own
   * open-request check, so the two reads share one round trip's wait.
   */
  reads?: ScoringReads;
}

/** The requester's history and on-call context, read for one score. */
export interface ScoringReads {
  history: Promise<{ history: RequesterHistory; records: PastRequest[] }>;
  onCallVia: Promise<string[]>;
  /** Whether they respond to the cited incident (undefined: no incident cited, or nobody can tell). */
  incidentResponder: Promise<ResponderAnswer>;
}

export interface Scored {
  assessment: RiskAssessment;
  history: RequesterHistory;
  onCallVia: string[];
}

/**
 * What a score reads about the requester: the history counts and their habit records. With a cache
 * (risk.thresholds.historyCacheStaleness > 0), both are derived from the requester's snapshot held in
 * memory, read once and kept current by the change feed; a query reaching back before the snapshot, or
 * no cache, reads the store (both at once).
 */
export async function readScoringHistory(
  store: Pick<Store, 'history' | 'habitRecords' | 'historySnapshot'>,
  cache: ScoringCache | undefined,
  policy: Policy,
  requester: string,
  resource: string,
  at: Date,
): Promise<{ history: RequesterHistory; records: PastRequest[] }> {
  const t = policy.risk.thresholds;
  const historyQuery = { now: at, historyWindowMs: t.historyWindow, denialWindowMs: t.denialWindow, velocityWindowMs: t.velocityWindow };
  const habitQuery = { now: at, windowMs: t.historyWindow, ticketPattern: ticketPatternOf(policy) };
  if (cache && t.historyCacheStaleness > 0) {
    const from = at.getTime() - Math.max(t.historyWindow, t.denialWindow, t.velocityWindow, DAY_MS);
    const snapshot = await cache.snapshot(requester, from, t.historyCacheStaleness, (since) =>
      store.historySnapshot(requester, new Date(since)),
    );
    const history = snapshot.history({ resource, ...historyQuery });
    const records = snapshot.habitRecords(habitQuery);
    if (history && records) return { history, records };
  }
  const [history, records] = await Promise.all([
    store.history({ requester, resource, ...historyQuery }),
    store.habitRecords({ requester, ...habitQuery }),
  ]);
  return { history, records };
}

/**
 * Starts the reads a score of `requester` on `resource` at `at` needs; `scoreRequest` awaits them (a failed
 * read fails the score there). A caller that refuses before scoring simply drops them.
 */
export function startScoringReads(
  deps: CoreDeps,
  requester: string,
  resource: string,
  at: Date,
  incidentKey: string | null = null,
): ScoringReads {
  const history = readScoringHistory(deps.store, deps.scoringCache, deps.policy(), requester, resource, at);
  const onCallVia = onCallOf(deps, requester, at);
  const incidentResponder = incidentKey ? responderOf(deps, requester, incidentKey, at) : Promise.resolve(undefined);
  // Observed here too, so a read that fails after its caller refused is not an unhandled rejection.
  history.catch(() => undefined);
  onCallVia.catch(() => undefined);
  return { history, onCallVia, incidentResponder };
}

/**
 * Scores a request exactly as submission does: the requester's history from the store, on-call
 * context, the named factors, then incident relief bounded by the resource floor. `risk explain`
 * uses the same path, so what it prints is what a real request would get.
 */
export async function scoreRequest(deps: CoreDeps, input: ScoreInput): Promise<Scored> {
  const policy = deps.policy();
  const reads = input.reads ?? startScoringReads(deps, input.requester, input.resource.name, input.at, input.incidentKey);
  const { history, records } = await reads.history;
  const habits = computeHabits(policy, records, {
    at: input.at,
    resource: input.resource.name,
    level: input.level,
    reason: input.reason,
    tickets: ticketsIn(input.reason, ticketPatternOf(policy), input.incidentKey),
  });
  const { reasonPeers, usualApproverRecord } = await readOrganisationSignals(deps.store, deps.scoringCache, policy, {
    requester: input.requester,
    reason: input.reason,
    at: input.at,
    habits,
  });
  const onCallVia = await reads.onCallVia;
  const incidentResponder = await reads.incidentResponder;
  // The directory snapshot (synchronous, no lookup): their time zone, team, leave date. Unknown adds nothing.
  const person = deps.directory.person(input.requester);
  const assessment = assessAsSubmitted(policy, {
    resource: input.resource.name,
    resourcePolicy: input.resource,
    level: input.level,
    durationMs: input.durationMs,
    reason: input.reason,
    incidentKey: input.incidentKey,
    breakGlass: input.breakGlass,
    kind: input.kind,
    at: input.at,
    history,
    onCallVia,
    requester: input.requester,
    ...(person ? { person } : {}),
    habits,
    ...(incidentResponder !== undefined ? { incidentResponder } : {}),
    ...(reasonPeers !== undefined ? { reasonPeers } : {}),
    ...(usualApproverRecord ? { usualApproverRecord } : {}),
  });
  return { assessment, history, onCallVia };
}

/** What a score reads beyond the requester's own history: who else gave the reason, what their usual approver decided. */
export interface OrganisationSignals {
  reasonPeers: number | undefined;
  usualApproverRecord: ApproverRecord | undefined;
}

/**
 * The organisation-wide reads of a score, both only when they can matter: other people's use of a reason that
 * is new to the requester on a family new to them (one index-only count), and the record of the approver
 * behind most of their approvals (one query per approver per staleness bound, through the scoring cache).
 */
export async function readOrganisationSignals(
  store: Pick<Store, 'reasonPeers' | 'approverRecord'>,
  cache: ScoringCache | undefined,
  policy: Policy,
  q: { requester: string; reason: string; at: Date; habits: RequesterHabits },
): Promise<OrganisationSignals> {
  const t = policy.risk.thresholds;
  const approver = usualApproverToCheck(policy, q.habits);
  const loadRecord = (name: string) => () => store.approverRecord({ approver: name, now: q.at, windowMs: t.historyWindow });
  const [reasonPeers, usualApproverRecord] = await Promise.all([
    needsReasonPeers(q.habits, q.reason)
      ? store.reasonPeers({ reason: q.reason, requester: q.requester, now: q.at, windowMs: t.historyWindow })
      : undefined,
    !approver
      ? undefined
      : cache && t.historyCacheStaleness > 0
        ? cache.approverRecord(approver, { at: q.at, ms: t.historyWindow }, t.historyCacheStaleness, loadRecord(approver))
        : loadRecord(approver)(),
  ]);
  return { reasonPeers, usualApproverRecord };
}
