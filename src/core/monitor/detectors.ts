import type { Policy, Severity } from '../policy/schema.js';
import { clockToMinutes, localTime } from '../risk/local-time.js';
import type { AccessRequest, ActivityInput } from '../types.js';
import { cutText } from '../views/safe-text.js';
import { classifySql } from './sql-classify.js';

export type DetectorId =
  | 'destructive-sql'
  | 'write-under-read'
  | 'k8s-sensitive'
  | 'outside-window'
  | 'volume-spike'
  | 'new-source'
  | 'off-hours';

export interface Finding {
  detector: DetectorId;
  severity: Severity;
  summary: string;
}

/** What a grant's activity has looked like so far (kept per grant between events). */
export interface Baseline {
  events: number;
  volumeTotal: number;
  volumeEvents: number;
  sources: string[];
}

export const EMPTY_BASELINE: Baseline = { events: 0, volumeTotal: 0, volumeEvents: 0, sources: [] };

const SEVERITY_ORDER: Severity[] = ['info', 'warning', 'high', 'critical'];

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_ORDER.indexOf(severity) >= SEVERITY_ORDER.indexOf(threshold);
}

/** Grants linked to an incident by someone on call are watched more closely: one severity up. */
export function raise(severity: Severity): Severity {
  return SEVERITY_ORDER[Math.min(SEVERITY_ORDER.length - 1, SEVERITY_ORDER.indexOf(severity) + 1)]!;
}

function truncate(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${cutText(flat, max - 1)}…` : flat;
}

/**
 * Runs every enabled detector over one activity event of a grant. Pure: the baseline comes in and the
 * caller stores the updated one (see `nextBaseline`).
 */
export function detect(policy: Policy, grant: AccessRequest, event: ActivityInput, baseline: Baseline, elevated: boolean): Finding[] {
  const settings = policy.monitoring;
  const found: Finding[] = [];
  const add = (detector: DetectorId, summary: string) => {
    const configured = settings.detectors[detector];
    if (configured === 'off') return;
    found.push({ detector, severity: elevated ? raise(configured) : configured, summary });
  };

  if (event.statement) {
    for (const finding of classifySql(event.statement)) {
      if (finding.destructive) {
        const what = finding.unboundedWrite
          ? `${finding.effects.find((e) => e === 'delete' || e === 'update')?.toUpperCase()} without WHERE`
          : finding.effects
              .filter((e) => e !== 'select')
              .join('/')
              .toUpperCase();
        add('destructive-sql', `${what}: ${truncate(event.statement)}`);
      }
      if (finding.writes && settings.readLevels.includes(grant.level)) {
        add('write-under-read', `write under a ${grant.level} grant: ${truncate(event.statement)}`);
      }
    }
  }

  if (event.verb) {
    const verb = event.verb.toLowerCase();
    const target = (event.target ?? '').toLowerCase();
    const where = event.namespace ? ` in ${event.namespace}` : '';
    if (target.startsWith('secrets') && ['get', 'list', 'watch'].includes(verb)) add('k8s-sensitive', `${verb} secrets${where}`);
    else if (/^pods\/(exec|attach|portforward)/.test(target)) add('k8s-sensitive', `${target.split('/')[1]} into a pod${where}`);
    else if (verb === 'delete' || verb === 'deletecollection') add('k8s-sensitive', `${verb} ${target || 'resources'}${where}`);
  }

  const at = event.at.getTime();
  const ended = grant.endedAt ?? (grant.status === 'active' ? null : grant.updatedAt);
  if ((grant.expiresAt && at > grant.expiresAt.getTime()) || (ended && at > ended.getTime())) {
    add('outside-window', `activity after the grant ended (${grant.status}) at ${event.at.toISOString()}`);
  } else if (grant.activatedAt && at < grant.activatedAt.getTime()) {
    add('outside-window', `activity before the grant started at ${event.at.toISOString()}`);
  }

  if (event.volume !== undefined && baseline.volumeEvents >= 3) {
    const average = baseline.volumeTotal / baseline.volumeEvents;
    if (average > 0 && event.volume >= average * settings.volumeSpikeFactor) {
      add('volume-spike', `volume ${event.volume} is ${Math.round(event.volume / average)}× this grant's average (${Math.round(average)})`);
    }
  }

  if (event.sourceAddress && baseline.sources.length > 0 && !baseline.sources.includes(event.sourceAddress)) {
    add('new-source', `new source address ${event.sourceAddress} (seen before: ${baseline.sources.slice(0, 3).join(', ')})`);
  }

  const local = localTime(event.at, policy.timezone);
  const { days, start, end } = policy.businessHours;
  if (!days.includes(local.weekday) || local.minutes < clockToMinutes(start) || local.minutes >= clockToMinutes(end)) {
    add('off-hours', `activity off-hours (${local.weekday} ${local.hhmm} ${policy.timezone})`);
  }
  return found;
}

export function nextBaseline(baseline: Baseline, event: ActivityInput): Baseline {
  const sources =
    event.sourceAddress && !baseline.sources.includes(event.sourceAddress)
      ? [...baseline.sources, event.sourceAddress].slice(-10)
      : baseline.sources;
  return {
    events: baseline.events + 1,
    volumeTotal: baseline.volumeTotal + (event.volume ?? 0),
    volumeEvents: baseline.volumeEvents + (event.volume !== undefined ? 1 : 0),
    sources,
  };
}
