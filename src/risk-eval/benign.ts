import { instantAt, isWeekend } from './civil-time.js';
import type { Organisation, Person, Resource } from './organisation.js';
import type { IncidentRecord, PlannedAccess } from './plan.js';
import type { Random } from './random.js';

const FREE = [
  'debug failing job for {r}',
  'look at slow queries on {r} reported in standup',
  'check yesterday backfill results in {r}',
  'update config flag for rollout in {r}',
  'verify migration state of {r} before release',
  'answer a data question from product about {r}',
  'inspect stuck messages and requeue them',
  'compare counts with the upstream export',
];

function reasonFor(person: Person, resource: Resource, random: Random): string {
  const prefix = person.team.replace('team-', '').slice(0, 4).toUpperCase();
  if (person.reasonStyle === 'stock' && random.chance(0.8)) return person.stockReason;
  const text = random.pick(FREE).replace('{r}', resource.name);
  if (person.reasonStyle === 'ticket' && random.chance(0.85)) return `${prefix}-${random.int(100, 2400)} ${text}`;
  return random.chance(0.12) ? random.pick(['fix', 'debug', 'check', 'quick look']) : text;
}

function clampMinutes(minutes: number, resource: Resource): number {
  return Math.max(15, Math.min(resource.maxMinutes, Math.round(minutes / 15) * 15));
}

const rotas = new WeakMap<Organisation, Map<string, string | undefined>>();

/** The team's on-call engineer that week (a weekly rotation over established members). */
function onCallFor(org: Organisation, team: string, day: number): string | undefined {
  let cache = rotas.get(org);
  if (!cache) {
    cache = new Map();
    rotas.set(org, cache);
  }
  const key = `${team}/${Math.floor(day / 7)}`;
  if (!cache.has(key)) cache.set(key, computeOnCall(org, team, Math.floor(day / 7) * 7));
  return cache.get(key);
}

function computeOnCall(org: Organisation, team: string, day: number): string | undefined {
  const members = org.people.filter((p) => p.team === team && p.joinDay < day - 30 && (p.leaveDay === null || p.leaveDay > day + 7));
  if (members.length === 0) return undefined;
  return members[Math.floor(day / 7) % members.length]!.email;
}

/** Everyday work: each person's habitual requests on working days in their own office's calendar. */
export function benignDay(org: Organisation, day: number, random: Random, out: PlannedAccess[]): void {
  for (const person of org.people) {
    if (day < person.joinDay || (person.leaveDay !== null && day > person.leaveDay)) continue;
    const off = isWeekend(day) || person.office.holidays.has(day);
    const joining = day - person.joinDay < 12;
    const mean = off ? 0.03 : person.rate * (joining ? 1.4 : 1);
    const count = random.poisson(mean);
    for (let i = 0; i < count; i += 1) {
      let habit = random.weighted(person.habits.map((h) => [h, h.weight] as const));
      let resource = org.byResource.get(habit.resource)!;
      // Now and then: something of the team's not in their usual set (collaboration, a new task).
      if (random.chance(0.04)) {
        const own = org.resources.filter((r) => r.owner === person.team);
        resource = random.pick(own);
        habit = { resource: resource.name, weight: 1, level: 'read', minutes: 60 };
      }
      const late = person.nightOwl && random.chance(0.35);
      const minute = late ? random.int(20 * 60, 25 * 60) : person.startMinute + random.int(0, person.dayMinutes);
      const level = resource.levels.includes(habit.level)
        ? habit.level === 'read' && resource.levels.includes('write') && random.chance(0.08)
          ? 'write'
          : habit.level
        : 'read';
      out.push({
        at: instantAt(person.office.zone, day, minute) + random.int(0, 59) * 1000,
        requester: person.email,
        resource: resource.name,
        level,
        minutes: clampMinutes(habit.minutes * (0.6 + random.next() * 0.9), resource),
        reason: reasonFor(person, resource, random),
        incidentKey: null,
        misuse: null,
      });
    }
  }
}

/** Incidents at any hour: the on-call engineer and teammates who are awake respond; follow-ups cite the key days later. */
export function incidentsDay(
  org: Organisation,
  day: number,
  random: Random,
  next: () => number,
  out: PlannedAccess[],
  incidents: IncidentRecord[],
): void {
  const count = random.poisson(0.45);
  for (let i = 0; i < count; i += 1) {
    const team = random.pick(org.teams);
    const start = day * 86_400_000 + random.int(0, 86_399) * 1000;
    const end = start + random.int(60, 360) * 60_000;
    const key = `INC-${next()}`;
    const onCall = onCallFor(org, team.name, day);
    const awake = org.people.filter((p) => {
      if (p.team !== team.name || p.joinDay > day || (p.leaveDay !== null && p.leaveDay < day)) return false;
      const local = (start - instantAt(p.office.zone, day, 0)) / 60_000;
      return local >= p.startMinute && local <= p.startMinute + p.dayMinutes;
    });
    const responders = new Set<string>(onCall ? [onCall] : []);
    for (const p of awake.sort(() => random.next() - 0.5).slice(0, random.int(1, 3))) responders.add(p.email);
    if (random.chance(0.3)) responders.add(random.pick(org.people.filter((p) => p.team !== team.name && p.joinDay < day)).email);
    const own = org.resources.filter((r) => r.owner === team.name);
    for (const email of responders) {
      for (let k = random.int(1, 2); k > 0; k -= 1) {
        const resource = random.pick(own);
        out.push({
          at: start + random.int(2, 50) * 60_000,
          requester: email,
          resource: resource.name,
          level: resource.levels.includes('write') && random.chance(0.6) ? 'write' : 'read',
          minutes: clampMinutes(random.pick([60, 90, 120]), resource),
          reason: `${key} ${random.pick(['mitigate errors', 'restart consumers and check lag', 'investigate timeouts', 'hotfix data'])}`,
          incidentKey: key,
          misuse: null,
        });
      }
    }
    incidents.push({ key, team: team.name, start, end, responders: [...responders] });
    // Post-incident follow-up work cites the key; whoever does it need not have been a responder.
    if (random.chance(0.35)) {
      const member = random.pick(
        team.members.map((m) => org.byEmail.get(m)!).filter((p) => p.joinDay < day && (p.leaveDay === null || p.leaveDay > day + 6)),
      );
      if (member) {
        const later = day + random.int(1, 5);
        if (!isWeekend(later)) {
          const resource = random.pick(own);
          out.push({
            at: instantAt(member.office.zone, later, member.startMinute + random.int(30, 300)),
            requester: member.email,
            resource: resource.name,
            level: 'read',
            minutes: clampMinutes(60, resource),
            reason: `${key} follow-up: verify the fix and collect data for the postmortem`,
            incidentKey: key,
            misuse: null,
          });
        }
      }
    }
  }
}

/** Planned maintenance: once a month per team, writes or admin at a local weekend night under a change ticket. */
export function maintenanceDay(org: Organisation, day: number, random: Random, out: PlannedAccess[]): void {
  if (new Date(day * 86_400_000).getUTCDay() !== 6) return;
  for (const team of org.teams) {
    if (!random.chance(0.25)) continue;
    const ticket = `CHG-${random.int(1000, 9999)}`;
    const crew = team.members
      .map((m) => org.byEmail.get(m)!)
      .filter((p) => p.joinDay < day - 20 && (p.leaveDay === null || p.leaveDay > day));
    for (const person of crew.sort(() => random.next() - 0.5).slice(0, random.int(1, 3))) {
      const db = org.resources.find((r) => r.owner === team.name && r.name.endsWith('-db'))!;
      out.push({
        at: instantAt(person.office.zone, day, 22 * 60 + random.int(0, 90)),
        requester: person.email,
        resource: db.name,
        level: random.chance(0.3) ? 'admin' : 'write',
        minutes: clampMinutes(random.pick([120, 180, 240]), db),
        reason: `${ticket} planned maintenance window: schema migration and vacuum`,
        incidentKey: null,
        misuse: null,
      });
    }
  }
}

/** On-call checks outside incidents: a quick look at the team's dashboards or queues at any hour. */
export function onCallChecksDay(org: Organisation, day: number, random: Random, out: PlannedAccess[]): void {
  for (const team of org.teams) {
    if (!random.chance(0.12)) continue;
    const email = onCallFor(org, team.name, day);
    const person = email ? org.byEmail.get(email) : undefined;
    if (!person) continue;
    const resource = random.pick(org.resources.filter((r) => r.owner === team.name));
    out.push({
      at: instantAt(person.office.zone, day, random.pick([6 * 60 + 30, 21 * 60, 23 * 60 + 15])),
      requester: person.email,
      resource: resource.name,
      level: 'read',
      minutes: 30,
      reason: 'on-call check after an alert page, nothing changed',
      incidentKey: null,
      misuse: null,
    });
  }
}

export { onCallFor };
