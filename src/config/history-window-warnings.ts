import { formatDuration } from '../core/duration.js';
import type { Policy } from '../core/policy/schema.js';
import type { PolicyFinding } from './policy-errors.js';

type Thresholds = Policy['risk']['thresholds'];

/**
 * Windows the habit factors apply to the requester's own earlier requests. Those requests are read only within
 * historyWindow (store habitRecords, the history cache and the replays alike, and computeHabits skips anything
 * older), so a longer window is cut to historyWindow without a word. denialWindow and velocityWindow are not
 * here: the history query counts each over its own window. ticketMaxAge is the one compared strictly (a ticket
 * first cited more than ticketMaxAge ago), so it must be shorter than historyWindow to ever apply.
 */
const HABIT_WINDOWS: ReadonlyArray<{ key: keyof Thresholds & string; lost: (history: string) => string; strict?: true }> = [
  { key: 'escalationWindow', lost: (h) => `climbs in level or sensitivity more than ${h} ago never count towards escalationSteps` },
  {
    key: 'sessionAnomalyWindow',
    lost: (h) => `an anomaly during a grant more than ${h} ago never counts for sessionAnomaly or sessionAnomalyElsewhere`,
  },
  { key: 'autoApproveWindow', lost: (h) => `auto-approvals more than ${h} ago never count towards autoApproveCap` },
  {
    key: 'ticketMaxAge',
    lost: (h) => `a ticket is never seen as first cited more than ${h} ago, and never gets too old to lower risk (ticketReuse)`,
    strict: true,
  },
];

/** Habit windows longer than risk.thresholds.historyWindow, which silently reach back no further than it. */
export function historyWindowWarnings(policy: Policy, isWritten: (path: PropertyKey[]) => boolean): PolicyFinding[] {
  const t = policy.risk.thresholds;
  const history = formatDuration(t.historyWindow);
  const historyNote = isWritten(['risk', 'thresholds', 'historyWindow']) ? '' : ' (the default)';
  const findings: PolicyFinding[] = [];
  for (const { key, lost, strict } of HABIT_WINDOWS) {
    const value = t[key];
    if (typeof value !== 'number' || value < t.historyWindow || (value === t.historyWindow && !strict)) continue;
    const path = ['risk', 'thresholds', key];
    const note = isWritten(path) ? '' : ' (the default)';
    const relation = value === t.historyWindow ? 'the same as' : 'longer than';
    const fix = strict ? `shorten ${key} below ${history}` : `shorten ${key} to at most ${history}`;
    findings.push({
      path,
      message: `is ${formatDuration(value)}${note}, ${relation} risk.thresholds.historyWindow (${history}${historyNote}): a requester's earlier requests are read only within historyWindow, so ${lost(history)}; ${fix}, or lengthen historyWindow (which also widens what cleanHistory, routineWork, recentAnomaly and the other habit factors count)`,
    });
  }
  return findings;
}
