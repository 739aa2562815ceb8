import { type Document, isMap } from 'yaml';
import type { Policy } from '../core/policy/schema.js';
import type { PolicyFinding } from './policy-errors.js';
import { formatPath } from './policy-errors.js';
import { keyText } from './yaml-locate.js';

const LOWER_CASE = 'e-mails are compared in lower case';

/** How an entry was written, when that differs from how it is compared (`Erin@…` read as `erin@…`). */
function writtenAs(doc: Document, path: PropertyKey[], compared: string): string | undefined {
  const raw = doc.getIn(path);
  return typeof raw === 'string' && raw !== compared ? raw : undefined;
}

/**
 * The same person listed twice in risk.departures. leaveDateOf (habit-factors.ts) takes the first entry for
 * them (a leave date from the directory outranks the list), so a later one with another date is ignored.
 */
function departureDuplicates(policy: Policy, doc: Document): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  const first = new Map<string, number>();
  policy.risk.departures.forEach((entry, i) => {
    const earlier = first.get(entry.email);
    if (earlier === undefined) {
      first.set(entry.email, i);
      return;
    }
    const kept = policy.risk.departures[earlier]!;
    const spelled = [earlier, i].map((index) => writtenAs(doc, ['risk', 'departures', index, 'email'], entry.email) ?? entry.email);
    const same = spelled[0] === spelled[1] ? '' : ` (written ${spelled[0]} and ${spelled[1]}: ${LOWER_CASE})`;
    const where = formatPath(['risk', 'departures', earlier]);
    findings.push({
      path: ['risk', 'departures', i],
      message:
        kept.leaveDate === entry.leaveDate
          ? `lists ${entry.email} again, as ${where} does${same}, with the same leaveDate ${entry.leaveDate}; remove one of them`
          : `lists ${entry.email} again${same} with leaveDate ${entry.leaveDate}, but ${where} gives ${kept.leaveDate}: the first entry is the one used (a leave date from the directory outranks both), so ${entry.leaveDate} is ignored; keep one entry with their real last day`,
    });
  });
  return findings;
}

/**
 * Keys of a risk.timeZones map that name the same thing once compared as Keycard compares them. people:
 * e-mails in lower case, and the parsed map keeps the last entry. teams: a directory team matches a key
 * ignoring case, the first listed that matches.
 */
function zoneDuplicates(policy: Policy, doc: Document, map: 'people' | 'teams'): PolicyFinding[] {
  const node = doc.getIn(['risk', 'timeZones', map]);
  if (!isMap(node)) return [];
  const byName = new Map<string, Array<{ key: string; zone: string }>>();
  for (const item of node.items) {
    const key = keyText(item.key);
    const zone = map === 'people' ? policy.risk.timeZones.people[key.toLowerCase()] : policy.risk.timeZones.teams[key];
    const raw = (item.value as { value?: unknown } | null)?.value;
    const list = byName.get(key.toLowerCase()) ?? [];
    list.push({ key, zone: typeof raw === 'string' ? raw : (zone ?? '') });
    byName.set(key.toLowerCase(), list);
  }
  const findings: PolicyFinding[] = [];
  for (const entries of byName.values()) {
    if (entries.length < 2) continue;
    const used = map === 'people' ? entries[entries.length - 1]! : entries[0]!;
    const others = entries.filter((e) => e !== used);
    const zones = new Set(entries.map((e) => e.zone));
    const which = map === 'people' ? 'the last entry' : 'the first entry';
    const why = map === 'people' ? LOWER_CASE : 'a directory team is matched ignoring case';
    const ignored = others.map((e) => e.zone).join(', ');
    const outcome = zones.size === 1 ? `all say ${used.zone}` : `${which}, ${used.zone}, is used and ${ignored} ignored`;
    // Pointed at the first entry that is not used; the message names the rest.
    const [at, ...rest] = others;
    if (!at) continue;
    const alike = [used, ...rest].map((e) => e.key).join(', ');
    findings.push({
      path: ['risk', 'timeZones', map, at.key],
      message: `names the same ${map === 'people' ? 'person' : 'team'} as ${alike} (${why}): ${outcome}; keep one entry`,
    });
  }
  return findings;
}

/** Entries of the risk lists that contradict or repeat each other once compared the way Keycard compares them. */
export function riskListWarnings(policy: Policy, doc: Document): PolicyFinding[] {
  return [...departureDuplicates(policy, doc), ...zoneDuplicates(policy, doc, 'people'), ...zoneDuplicates(policy, doc, 'teams')];
}
