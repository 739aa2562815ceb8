import { formatDuration } from '../core/duration.js';
import { formatPoints } from '../core/risk/assess.js';
import type { IncidentGrant, IncidentReview } from '../core/risk/incident-review.js';
import { minutes, textTable } from './text-table.js';
import { createZone, formatCivilDate } from './zoned-time.js';

/** "2026-11-24 10:04" in the policy's zone: the zone the rest of the policy (business hours, tiers' windows) reads. */
function clock(timeZone: string): (d: Date | null) => string {
  const zone = createZone(timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (d) => {
    if (!d) return '—';
    const minute = zone.local(d).minutes;
    return `${formatCivilDate(zone.dateOf(d))} ${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
  };
}

function decision(g: IncidentGrant): string {
  switch (g.outcome) {
    case 'auto_approved':
      return 'auto-approved';
    case 'break_glass':
      return 'break-glass';
    case 'approved':
      return `approved by ${g.approvers.join(', ') || '?'}`;
    case 'denied':
      return `denied by ${g.deniedBy ?? '?'}`;
    default:
      return g.outcome.replace('_', ' ');
  }
}

function ending(g: IncidentGrant, time: (d: Date | null) => string): string {
  if (!g.activatedAt) return 'not granted';
  if (!g.endedAt) return `active since ${time(g.activatedAt)}`;
  const held = minutes(g.endedAt.getTime() - g.activatedAt.getTime());
  if (g.revokedForCause) return `revoked by ${g.endedBy} after ${held}`;
  return `${g.endReason ?? 'ended'} after ${held}`;
}

/**
 * The post-incident review as a table, one row per request, with its factors and anomalies beneath; times in
 * `timeZone` (the policy's), which the output names.
 */
export function renderReview(review: IncidentReview, timeZone: string): string[] {
  const s = review.summary;
  if (s.requests === 0) return [`No requests are linked to ${review.incidentKey}.`];
  const time = clock(timeZone);
  const lines = [
    `${review.incidentKey}: ${s.requests} request(s), ${s.granted} granted (${s.autoApproved} auto-approved, ${s.humanApproved} approved by people), ${s.denied} denied; ${s.anomalies} anomaly alert(s), ${s.revokedForCause} revoked for cause`,
    `Times are in ${timeZone} (the policy's timezone).`,
    '',
    ...textTable(
      ['ref', 'requested', 'requester', 'access', 'score', 'tier', 'decision', 'grant', 'anomalies'],
      review.grants.map((g) => [
        g.ref,
        time(g.requestedAt),
        g.requester,
        `${g.resource} (${g.level}) ${formatDuration(g.durationMs)}`,
        String(g.score),
        g.tier,
        decision(g),
        ending(g, time),
        String(g.anomalies.length),
      ]),
    ),
  ];
  for (const g of review.grants) {
    const factors = g.factors.map((f) => (f.points === 0 ? `routing: ${f.id}` : `${formatPoints(f.points)} ${f.id}`)).join(', ');
    lines.push('', `${g.ref} "${g.reason}"`, `  factors: ${factors || 'none'}`);
    for (const a of g.anomalies) lines.push(`  anomaly ${time(a.at)} ${a.severity} ${a.detector}${a.summary ? `: ${a.summary}` : ''}`);
  }
  return lines;
}
