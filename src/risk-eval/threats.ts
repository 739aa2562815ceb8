import { instantAt, isWeekend } from './civil-time.js';
import { GENERIC_PASTE, type Level, type Organisation, type Person, type Resource } from './organisation.js';
import type { IncidentRecord, Pattern, PlannedAccess } from './plan.js';
import type { Random } from './random.js';

/**
 * Misuse written from the threat model: what an attacker or a malicious insider would actually do,
 * each campaign a handful of requests shaped to look as ordinary as the actor can make them.
 */

interface Window {
  firstDay: number;
  lastDay: number;
}

const established = (p: Person, day: number) => p.joinDay < day - 45 && (p.leaveDay === null || p.leaveDay > day + 30);

function workMinute(person: Person, random: Random): number {
  return person.startMinute + random.int(30, person.dayMinutes - 30);
}

function workday(person: Person, day: number): number {
  let d = day;
  while (isWeekend(d) || person.office.holidays.has(d)) d += 1;
  return d;
}

function sensitive(org: Organisation, except: string): Resource[] {
  return org.resources.filter((r) => (r.sensitivity === 'high' || r.sensitivity === 'critical') && r.owner !== except);
}

function ordinaryReason(person: Person, resource: Resource, random: Random): string {
  if (person.reasonStyle === 'stock') return person.stockReason;
  const prefix = person.team.replace('team-', '').slice(0, 4).toUpperCase();
  const text = random.pick([
    'check data for a customer escalation',
    'verify report numbers before sharing',
    'look into slow queries',
    'prepare data fix',
  ]);
  return person.reasonStyle === 'ticket' ? `${prefix}-${random.int(100, 2400)} ${text} in ${resource.name}` : text;
}

type Planner = (org: Organisation, w: Window, random: Random, campaign: string, incidents: IncidentRecord[]) => PlannedAccess[];

const plan = (
  requester: Person,
  resource: Resource,
  at: number,
  level: Level,
  minutes: number,
  reason: string,
  pattern: Pattern,
  campaign: string,
  incidentKey: string | null = null,
): PlannedAccess => ({
  at,
  requester: requester.email,
  resource: resource.name,
  level: resource.levels.includes(level) ? level : resource.levels[resource.levels.length - 1]!,
  minutes: Math.min(minutes, resource.maxMinutes),
  reason,
  incidentKey,
  misuse: { pattern, campaign },
});

/** Stolen session or token: a burst of never-used sensitive resources at the victim's night, reasons copied from the victim. */
const compromised: Planner = (org, w, random, campaign) => {
  const day = random.int(w.firstDay + 3, w.lastDay - 2);
  const victim = random.pick(org.people.filter((p) => established(p, day) && !p.lead));
  const used = new Set(victim.habits.map((h) => h.resource));
  const targets = [
    ...sensitive(org, victim.team),
    ...org.resources.filter((r) => r.owner === victim.team && r.sensitivity !== 'low'),
  ].filter((r) => !used.has(r.name));
  const start = instantAt(victim.office.zone, day, random.int(60, 300));
  const copied = victim.reasonStyle === 'stock' ? victim.stockReason : random.pick(GENERIC_PASTE);
  return Array.from({ length: random.int(3, 6) }, (_, i) => {
    const r = random.pick(targets);
    return plan(
      victim,
      r,
      start + i * random.int(4, 25) * 60_000,
      random.chance(0.6) ? 'read' : 'write',
      r.maxMinutes,
      copied,
      'compromised-account',
      campaign,
    );
  });
};

/** An insider climbs on one store over weeks: read, read, write, admin — each step small and well-reasoned. */
const escalation: Planner = (org, w, random, campaign) => {
  const day0 = random.int(w.firstDay, w.lastDay - 40);
  const insider = random.pick(org.people.filter((p) => established(p, day0)));
  const own = org.resources.filter((r) => r.owner === insider.team && r.name.endsWith('-db'));
  const target =
    own.length > 0 && random.chance(0.5)
      ? random.pick(own)
      : random.pick(sensitive(org, insider.team).filter((r) => r.levels.includes('admin')));
  const replica = org.byResource.get(target.name.replace(/-db$/, '-replica'));
  const steps: Array<[Resource, Level]> = [
    ...(replica ? [[replica, 'read'] as [Resource, Level]] : []),
    [target, 'read'],
    [target, 'read'],
    [target, 'write'],
    [target, 'admin'],
  ];
  let day = day0;
  return steps.map(([r, level]) => {
    day = workday(insider, day + random.int(3, 9));
    return plan(
      insider,
      r,
      instantAt(insider.office.zone, day, workMinute(insider, random)),
      level,
      random.pick([60, 90, 120]),
      ordinaryReason(insider, r, random),
      'slow-escalation',
      campaign,
    );
  });
};

/** During a live incident, someone who is not responding cites its key to get write access. */
const riding: Planner = (org, w, random, campaign, incidents) => {
  const live = incidents.filter((i) => i.start >= w.firstDay * 86_400_000 && i.start < w.lastDay * 86_400_000);
  if (live.length === 0) return [];
  const incident = random.pick(live);
  const day = Math.floor(incident.start / 86_400_000);
  const rider = random.pick(org.people.filter((p) => established(p, day) && !incident.responders.includes(p.email)));
  const targets = [...org.resources.filter((r) => r.owner === incident.team && r.sensitivity !== 'low'), ...sensitive(org, rider.team)];
  return Array.from({ length: random.int(1, 2) }, () => {
    const r = random.pick(targets);
    return plan(
      rider,
      r,
      incident.start + random.int(10, 120) * 60_000,
      random.chance(0.5) ? 'write' : 'admin',
      random.pick([60, 120]),
      `${incident.key} helping with the incident, need to apply a fix`,
      'incident-riding',
      campaign,
      incident.key,
    );
  });
};

/** A long stock sentence pasted for resources outside the person's work, spread over a few days. */
const pasted: Planner = (org, w, random, campaign) => {
  const day0 = random.int(w.firstDay, w.lastDay - 10);
  const person = random.pick(org.people.filter((p) => established(p, day0)));
  const text = random.pick(GENERIC_PASTE);
  let day = day0;
  return Array.from({ length: random.int(3, 5) }, () => {
    day = workday(person, day + random.int(0, 2));
    const r = random.pick(sensitive(org, person.team));
    return plan(
      person,
      r,
      instantAt(person.office.zone, day, workMinute(person, random)),
      'read',
      random.pick([60, 120, 240]),
      text,
      'pasted-generic-reason',
      campaign,
    );
  });
};

/** Someone on their way out reads as much as they can: many sensitive stores, maximum windows, in their last weeks. */
const departing: Planner = (org, w, random, campaign) => {
  const leavers = org.people.filter(
    (p) => p.leaveDay !== null && p.leaveDay - 21 > w.firstDay && p.leaveDay <= w.lastDay && p.joinDay < w.firstDay - 30,
  );
  if (leavers.length === 0) return [];
  const person = random.pick(leavers);
  const targets = [
    ...org.resources.filter((r) => r.owner === person.team && r.sensitivity !== 'low'),
    ...sensitive(org, person.team),
    org.byResource.get('warehouse')!,
    org.byResource.get('customer-pii')!,
  ];
  let day = person.leaveDay! - random.int(8, 20);
  return Array.from({ length: random.int(4, 8) }, () => {
    day = workday(person, day + random.int(0, 2));
    const r = random.pick(targets);
    return plan(
      person,
      r,
      instantAt(person.office.zone, day, workMinute(person, random)),
      'read',
      r.maxMinutes,
      ordinaryReason(person, r, random),
      'departing-bulk-reads',
      campaign,
    );
  });
};

/** A requester and an approver who wave each other's risky requests through, always and at once. */
const collusion: Planner = (org, w, random, campaign) => {
  const day0 = random.int(w.firstDay, w.lastDay - 30);
  const team = random.pick(org.teams.filter((t) => t.leads.length > 0));
  const accomplice = random.pick(team.leads);
  const requester = random.pick(team.members.map((m) => org.byEmail.get(m)!).filter((p) => established(p, day0) && p.email !== accomplice));
  if (!requester) return [];
  const targets = org.resources.filter((r) => r.owner === team.name && r.sensitivity !== 'low');
  let day = day0;
  return Array.from({ length: random.int(3, 5) }, () => {
    day = workday(requester, day + random.int(2, 7));
    const r = random.pick(targets);
    const access = plan(
      requester,
      r,
      instantAt(requester.office.zone, day, workMinute(requester, random)),
      random.chance(0.5) ? 'write' : 'admin',
      r.maxMinutes,
      ordinaryReason(requester, r, random),
      'approver-collusion',
      campaign,
    );
    return { ...access, accomplice };
  });
};

const PLANNERS: Record<Pattern, Planner> = {
  'compromised-account': compromised,
  'slow-escalation': escalation,
  'incident-riding': riding,
  'pasted-generic-reason': pasted,
  'departing-bulk-reads': departing,
  'approver-collusion': collusion,
};

/** Misuse campaigns until about `target` misuse requests are planned, the patterns taking turns. */
export function planMisuse(org: Organisation, w: Window, random: Random, target: number, incidents: IncidentRecord[]): PlannedAccess[] {
  const out: PlannedAccess[] = [];
  const patterns = Object.keys(PLANNERS) as Pattern[];
  let n = 0;
  let guard = 0;
  while (out.length < target && guard < target * 4) {
    guard += 1;
    const pattern = patterns[n % patterns.length]!;
    n += 1;
    out.push(...PLANNERS[pattern](org, w, random, `${pattern}-${n}`, incidents));
  }
  return out;
}

/** Collusion pairs, so the approval simulation can let the accomplice approve the requester's other requests too. */
export function accomplices(plans: readonly PlannedAccess[]): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const p of plans) if (p.accomplice) pairs.set(p.requester, p.accomplice);
  return pairs;
}
