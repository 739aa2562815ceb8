import type { Policy } from '../policy/schema.js';
import type { RequesterPast } from './history-as-of.js';
import { judgeRequest, type OrganisationRecords, type RecordedRequest, type RefusalCode, type Verdict } from './judge-request.js';

/** What would be different for one request under the candidate policy. */
export type ChangeKind = 'tier' | 'approvers' | 'auto_approval' | 'refused' | 'accepted';

export interface ReplayChange {
  request: RecordedRequest;
  current: Verdict;
  candidate: Verdict;
  changes: ChangeKind[];
}

export interface ReviewShare {
  /** Requests the policy would accept (not refuse). */
  routed: number;
  /** Of those, how many a human approves first or reviews right after (break-glass). */
  humanReview: number;
  /** humanReview / routed, 0 when nothing was routed. */
  share: number;
}

export interface ReplayReport {
  since: Date;
  until: Date;
  total: number;
  /** Only the requests with at least one change, oldest first. */
  changed: ReplayChange[];
  counts: Record<ChangeKind, number>;
  /** Requests the candidate refuses that the current policy accepts, by reason. */
  newlyRefused: Partial<Record<RefusalCode, number>>;
  review: { current: ReviewShare; candidate: ReviewShare; deltaPoints: number };
}

export interface ReplayInput {
  requests: readonly RecordedRequest[];
  pastOf: (requester: string) => RequesterPast;
  /** Who else gave a reason and what approvers decided, over every recorded request (the store's look-ups). */
  org: OrganisationRecords;
  current: Policy;
  candidate: Policy;
  since: Date;
  until: Date;
}

/** Replays recorded requests through the current and the candidate policy and reports what would differ. Pure. */
export function replayHistory(input: ReplayInput): ReplayReport {
  const counts: Record<ChangeKind, number> = { tier: 0, approvers: 0, auto_approval: 0, refused: 0, accepted: 0 };
  const newlyRefused: Partial<Record<RefusalCode, number>> = {};
  const changed: ReplayChange[] = [];
  const verdicts: Array<{ current: Verdict; candidate: Verdict }> = [];
  for (const request of input.requests) {
    const past = input.pastOf(request.requester);
    const current = judgeRequest(input.current, request, past, input.org);
    const candidate = judgeRequest(input.candidate, request, past, input.org);
    verdicts.push({ current, candidate });
    const changes = compare(current, candidate);
    if (changes.length === 0) continue;
    for (const kind of changes) counts[kind] += 1;
    if (candidate.outcome === 'refused' && current.outcome === 'routed')
      newlyRefused[candidate.code] = (newlyRefused[candidate.code] ?? 0) + 1;
    changed.push({ request, current, candidate, changes });
  }
  const current = share(verdicts.map((v) => v.current));
  const candidate = share(verdicts.map((v) => v.candidate));
  return {
    since: input.since,
    until: input.until,
    total: input.requests.length,
    changed,
    counts,
    newlyRefused,
    review: { current, candidate, deltaPoints: Math.round((candidate.share - current.share) * 1000) / 10 },
  };
}

/** The differences that matter to a requester or an approver; a change of score alone is not one. */
export function compare(current: Verdict, candidate: Verdict): ChangeKind[] {
  if (current.outcome === 'refused' && candidate.outcome === 'refused') return [];
  if (current.outcome === 'routed' && candidate.outcome === 'refused') return ['refused'];
  if (current.outcome === 'refused' && candidate.outcome === 'routed') return ['accepted'];
  if (current.outcome !== 'routed' || candidate.outcome !== 'routed') return [];
  const changes: ChangeKind[] = [];
  if (current.tier !== candidate.tier) changes.push('tier');
  const route = (v: typeof current) => `${v.approvals}:${[...v.approvers].sort().join(',')}`;
  if (route(current) !== route(candidate)) changes.push('approvers');
  if (current.autoApproved !== candidate.autoApproved) changes.push('auto_approval');
  return changes;
}

function share(verdicts: Verdict[]): ReviewShare {
  const routed = verdicts.filter((v) => v.outcome === 'routed');
  const humanReview = routed.filter((v) => v.humanReview).length;
  return { routed: routed.length, humanReview, share: routed.length === 0 ? 0 : humanReview / routed.length };
}
