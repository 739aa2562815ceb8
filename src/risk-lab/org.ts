import type { Policy } from '../core/policy/schema.js';
import type { Rng } from './prng.js';

export interface Habit {
  resource: string;
  level: string;
  weight: number;
}

export type Role = 'engineer' | 'sre' | 'approver';

export interface Person {
  email: string;
  team: string;
  role: Role;
  /** When they joined (ms); people there from the start joined at -Infinity. */
  joinedAt: number;
  /** Relative request rate (heavy and light users). */
  rate: number;
  /** The resources and levels this person uses in their normal work, with how often. */
  habits: Habit[];
}

export interface Team {
  name: string;
  resources: string[];
  members: Person[];
}

export interface Org {
  people: Person[];
  teams: Team[];
  /** Low-sensitivity resources everyone may use. */
  shared: string[];
  /** Members of a policy group (approvers, security reviewers). */
  groupMembers(group: string): string[];
  /** Who carries the team's pager at `at` (weekly rotation among members who have joined). */
  onCall(team: Team, at: number): Person | undefined;
}

export interface OrgOptions {
  people: number;
  /** Generation starts here (ms): new joiners arrive between this and `end`. */
  start: number;
  end: number;
  ownership?: Record<string, string[]>;
  groupTeams?: Record<string, string>;
}

const TEAM_NAMES = ['payments', 'orders', 'identity', 'search', 'data', 'platform', 'mobile', 'growth', 'billing', 'support'];
const FIRST = [
  'alex',
  'ben',
  'chloe',
  'david',
  'elena',
  'finn',
  'greta',
  'hugo',
  'ines',
  'jan',
  'kai',
  'lara',
  'marco',
  'nora',
  'oskar',
  'paula',
  'quinn',
  'rosa',
  'sven',
  'tara',
  'uma',
  'vera',
  'will',
  'xena',
  'yusuf',
  'zoe',
  'amir',
  'bea',
  'carl',
  'dina',
  'emil',
  'fatima',
];
const LAST = [
  'adler',
  'bauer',
  'costa',
  'dahl',
  'eriksen',
  'ferreira',
  'gruber',
  'hansen',
  'ito',
  'jensen',
  'keller',
  'lopez',
  'meyer',
  'nagy',
  'olsen',
  'peters',
  'quist',
  'richter',
  'schmidt',
  'thomsen',
  'urban',
  'vogel',
  'wolf',
  'yilmaz',
  'zimmer',
  'brandt',
  'kraus',
  'lang',
];
const WEEK_MS = 7 * 86_400_000;
/** Share of people who join during the generated period (their first weeks are all first accesses). */
const JOINER_SHARE = 0.07;

/**
 * An organisation shaped by the policy: teams own the non-shared resources (round-robin unless the
 * caller says who owns what), low-sensitivity resources are shared, and each person has habits:
 * most of their team's resources, some shared ones, occasionally another team's. Approver groups'
 * members are people of the organisation too.
 */
export function buildOrg(policy: Policy, rng: Rng, options: OrgOptions): Org {
  const names = Object.keys(policy.resources).sort();
  const shared = names.filter((n) => policy.resources[n]!.sensitivity === 'low');
  const owned = names.filter((n) => !shared.includes(n));
  const teams = teamsFor(options, owned.length > 0 ? owned : names, rng);
  const levelsOf = (resource: string) => Object.keys(policy.resources[resource]?.levels ?? {});

  const people: Person[] = [];
  const taken = new Set<string>();
  const addPerson = (email: string, team: Team, role: Role, joinedAt: number) => {
    if (taken.has(email)) return;
    taken.add(email);
    const person: Person = {
      email,
      team: team.name,
      role,
      joinedAt,
      rate: rng.logNormal(1, 0.6) * (role === 'approver' ? 0.6 : 1),
      habits: [],
    };
    person.habits = habitsFor(person, team, teams, shared, levelsOf, rng);
    team.members.push(person);
    people.push(person);
  };

  const groupNames = Object.keys(policy.groups).sort();
  groupNames.forEach((group, g) => {
    const teamName = options.groupTeams?.[group];
    const team = teams.find((t) => t.name === teamName) ?? teams[g % teams.length]!;
    for (const email of policy.groups[group] ?? []) addPerson(email, team, group === 'sre' ? 'sre' : 'approver', Number.NEGATIVE_INFINITY);
  });
  let n = 0;
  while (people.length < options.people) {
    const first = FIRST[n % FIRST.length]!;
    const last = LAST[Math.floor(n / FIRST.length) % LAST.length]!;
    const suffix = n >= FIRST.length * LAST.length ? String(Math.floor(n / (FIRST.length * LAST.length)) + 1) : '';
    n += 1;
    const team = rng.weighted(
      teams,
      teams.map((t) => 1 + t.resources.length),
    );
    const role: Role = rng.chance(0.08) ? 'sre' : 'engineer';
    const joinedAt = rng.chance(JOINER_SHARE)
      ? rng.between(options.start + 3 * 86_400_000, options.end - 5 * 86_400_000)
      : Number.NEGATIVE_INFINITY;
    addPerson(`${first}.${last}${suffix}@example.com`, team, role, joinedAt);
  }

  const rotationOffset = new Map(teams.map((t) => [t.name, rng.int(0, 51)]));
  return {
    people,
    teams,
    shared,
    groupMembers: (group) => policy.groups[group] ?? [],
    onCall(team, at) {
      const rota = team.members.filter((p) => p.role !== 'approver' && p.joinedAt <= at);
      if (rota.length === 0) return undefined;
      const week = Math.floor(at / WEEK_MS) + (rotationOffset.get(team.name) ?? 0);
      return rota[week % rota.length];
    },
  };
}

function teamsFor(options: OrgOptions, owned: string[], rng: Rng): Team[] {
  if (options.ownership) {
    return Object.entries(options.ownership).map(([name, resources]) => ({
      name,
      resources: resources.filter((r) => owned.includes(r)),
      members: [],
    }));
  }
  const count = Math.max(2, Math.min(TEAM_NAMES.length, Math.round(options.people / 30), owned.length));
  const teams: Team[] = TEAM_NAMES.slice(0, count).map((name) => ({ name, resources: [], members: [] }));
  rng.shuffle(owned).forEach((resource, i) => {
    teams[i % count]!.resources.push(resource);
  });
  return teams;
}

function habitsFor(person: Person, team: Team, teams: Team[], shared: string[], levelsOf: (r: string) => string[], rng: Rng): Habit[] {
  const habits: Habit[] = [];
  const add = (resource: string, level: string, weight: number) => {
    if (!habits.some((h) => h.resource === resource && h.level === level)) habits.push({ resource, level, weight });
  };
  const levelFor = (resource: string, writeBias: number) => {
    const levels = levelsOf(resource);
    const weights = levels.map((l) => (l === 'read' ? 1 - writeBias : l === 'write' ? writeBias : l === 'admin' ? writeBias / 5 : 0.3));
    return rng.weighted(levels, weights);
  };
  const writeBias = person.role === 'sre' ? 0.55 : person.role === 'approver' ? 0.45 : 0.35;
  const own = team.resources.filter(() => rng.chance(0.75));
  if (own.length === 0 && team.resources.length > 0) own.push(rng.pick(team.resources));
  for (const resource of own) {
    const level = levelFor(resource, writeBias);
    add(resource, level, rng.logNormal(1, 0.7));
    // Someone who writes to a resource also reads it, and reads are usually more frequent.
    if (level !== 'read' && levelsOf(resource).includes('read') && rng.chance(0.6)) add(resource, 'read', rng.logNormal(1.2, 0.6));
  }
  for (const resource of shared) if (rng.chance(0.5)) add(resource, levelFor(resource, 0.1), rng.logNormal(0.6, 0.6));
  const others = teams.filter((t) => t !== team).flatMap((t) => t.resources);
  if (others.length > 0 && rng.chance(0.25)) {
    const resource = rng.pick(others);
    add(resource, levelFor(resource, 0.1), 0.3);
  }
  if (person.role === 'sre' && others.length > 0) {
    for (let i = rng.int(3, 6); i > 0; i -= 1) {
      const resource = rng.pick(others);
      add(resource, levelFor(resource, 0.55), rng.logNormal(0.5, 0.6));
    }
  }
  if (habits.length === 0) {
    const any = [...shared, ...team.resources];
    const resource = any.length > 0 ? rng.pick(any) : undefined;
    if (resource) add(resource, levelsOf(resource)[0]!, 1);
  }
  return habits;
}
