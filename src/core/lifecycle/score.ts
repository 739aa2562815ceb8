import type { ResolvedResource } from '../policy/access.js';
import { applyIncidentRelief, assessRisk } from '../risk/assess.js';
import { computeHabits, ticketsIn } from '../risk/habits.js';
import type { RequesterHistory, RequestKind, RiskAssessment } from '../types.js';
import type { CoreDeps } from './deps.js';
import { onCallOf } from './on-call.js';

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
}

export interface Scored {
  assessment: RiskAssessment;
  history: RequesterHistory;
  onCallVia: string[];
}

/**
 * Scores a request exactly as submission does: the requester's history from the store, on-call
 * context, the named factors, then incident relief bounded by the resource floor. `risk explain`
 * uses the same path, so what it prints is what a real request would get.
 */
export async function scoreRequest(deps: CoreDeps, input: ScoreInput): Promise<Scored> {
  const policy = deps.policy();
  const t = policy.risk.thresholds;
  const history = await deps.store.history({
    requester: input.requester,
    resource: input.resource.name,
    now: input.at,
    historyWindowMs: t.historyWindow,
    denialWindowMs: t.denialWindow,
    velocityWindowMs: t.velocityWindow,
  });
  const records = await deps.store.habitRecords({
    requester: input.requester,
    now: input.at,
    windowMs: t.historyWindow,
    ticketPattern: policy.risk.ticketPattern,
  });
  const habits = computeHabits(policy, records, {
    at: input.at,
    resource: input.resource.name,
    level: input.level,
    reason: input.reason,
    tickets: ticketsIn(input.reason, policy.risk.ticketPattern, input.incidentKey),
  });
  const onCallVia = await onCallOf(deps, input.requester, input.at);
  // The directory snapshot (synchronous, no lookup): their time zone, team, leave date. Unknown adds nothing.
  const person = deps.directory.person(input.requester);
  const scored = assessRisk(policy, {
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
  });
  const assessment = applyIncidentRelief(scored, {
    incidentKey: input.incidentKey,
    onCallVia,
    relief: policy.incidents.onCallRelief,
    floor: input.resource.minTier,
  });
  return { assessment, history, onCallVia };
}
