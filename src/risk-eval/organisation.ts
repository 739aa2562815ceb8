import { dayNumber, isoDay } from './civil-time.js';
import type { Random } from './random.js';

/**
 * The organisation of the threat-model generator: offices in several time zones with their own
 * public holidays, teams that own services, people who join and leave, approvers and on-call rotas.
 * Modelled on how access is used in a mid-size engineering organisation, not on Keycard's factors.
 */

export type Level = 'read' | 'write' | 'admin';
export type Sensitivity = 'low' | 'medium' | 'high' | 'critical';

export interface Office {
  name: string;
  zone: string;
  /** Local public holidays as day numbers. */
  holidays: Set<number>;
}

export interface Resource {
  name: string;
  /** The service (or shared platform) it belongs to. */
  service: string;
  owner: string;
  sensitivity: Sensitivity;
  levels: Level[];
  maxMinutes: number;
  description: string;
}

export interface Person {
  email: string;
  team: string;
  office: Office;
  /** Local minute the working day usually starts, and its length in minutes. */
  startMinute: number;
  dayMinutes: number;
  /** Works late evenings by habit (a night owl); their off-hours requests are their normal. */
  nightOwl: boolean;
  /** Requests on an ordinary working day (mean). */
  rate: number;
  /** Resources this person uses in their work, with how often. */
  habits: Array<{ resource: string; weight: number; level: Level; minutes: number }>;
  /** How they write reasons: a ticket-citing habit, a favourite stock sentence, or free text. */
  reasonStyle: 'ticket' | 'stock' | 'free';
  stockReason: string;
  joinDay: number;
  leaveDay: number | null;
  lead: boolean;
}

export interface Team {
  name: string;
  services: string[];
  leads: string[];
  members: string[];
}

export interface Organisation {
  offices: Office[];
  teams: Team[];
  people: Person[];
  resources: Resource[];
  byEmail: Map<string, Person>;
  byResource: Map<string, Resource>;
  securityTeam: string[];
}

const OFFICES: ReadonlyArray<readonly [string, string, ReadonlyArray<readonly [number, number]>]> = [
  [
    'berlin',
    'Europe/Berlin',
    [
      [1, 1],
      [4, 3],
      [4, 6],
      [5, 1],
      [5, 14],
      [5, 25],
      [10, 3],
      [12, 25],
      [12, 26],
    ],
  ],
  [
    'london',
    'Europe/London',
    [
      [1, 1],
      [4, 3],
      [4, 6],
      [5, 4],
      [5, 25],
      [8, 31],
      [12, 25],
      [12, 28],
    ],
  ],
  [
    'new-york',
    'America/New_York',
    [
      [1, 1],
      [1, 19],
      [2, 16],
      [5, 25],
      [7, 3],
      [9, 7],
      [11, 26],
      [12, 25],
    ],
  ],
  [
    'san-francisco',
    'America/Los_Angeles',
    [
      [1, 1],
      [1, 19],
      [2, 16],
      [5, 25],
      [7, 3],
      [9, 7],
      [11, 26],
      [12, 25],
    ],
  ],
  [
    'bangalore',
    'Asia/Kolkata',
    [
      [1, 26],
      [3, 4],
      [4, 3],
      [8, 15],
      [10, 2],
      [10, 20],
      [11, 8],
      [12, 25],
    ],
  ],
  [
    'singapore',
    'Asia/Singapore',
    [
      [1, 1],
      [2, 17],
      [2, 18],
      [4, 3],
      [5, 1],
      [8, 10],
      [11, 8],
      [12, 25],
    ],
  ],
];

const SERVICES = [
  'orders',
  'payments',
  'billing',
  'search',
  'catalog',
  'identity',
  'notify',
  'ledger',
  'shipping',
  'pricing',
  'reviews',
  'fraud',
  'reports',
  'inventory',
  'chat',
  'media',
  'ads',
  'loyalty',
  'tax',
  'returns',
];

const STOCK = [
  'routine operational check as part of my normal duties',
  'investigating an issue reported by the support team',
  'verifying data consistency after the latest deployment',
  'checking on behalf of the team, will close when done',
  'need to look into this for the ongoing project work',
  'daily review of the service health and pending jobs',
];

export interface OrganisationOptions {
  people: number;
  /** First and last day (day numbers) of the simulated period, warm-up included. */
  firstDay: number;
  lastDay: number;
}

function resourcesFor(service: string, owner: string, random: Random): Resource[] {
  const critical = ['payments', 'billing', 'ledger', 'identity', 'fraud', 'tax'].includes(service);
  const make = (suffix: string, sensitivity: Sensitivity, levels: Level[], maxMinutes: number, description: string): Resource => ({
    name: `${service}-${suffix}`,
    service,
    owner,
    sensitivity,
    levels,
    maxMinutes,
    description,
  });
  const list = [
    make('db', critical ? 'critical' : 'high', ['read', 'write', 'admin'], 240, `${service} primary database`),
    make('k8s', 'medium', ['read', 'write', 'admin'], 480, `${service} Kubernetes namespace`),
  ];
  if (random.chance(0.7)) list.push(make('replica', critical ? 'high' : 'medium', ['read'], 480, `${service} read replica`));
  if (random.chance(0.4)) list.push(make('queue', 'low', ['read', 'write'], 480, `${service} message queue console`));
  return list;
}

export function buildOrganisation(random: Random, options: OrganisationOptions): Organisation {
  const offices: Office[] = OFFICES.map(([name, zone, dates]) => {
    const holidays = new Set<number>();
    const firstYear = new Date(options.firstDay * 86_400_000).getUTCFullYear();
    for (let year = firstYear; year <= firstYear + 1; year += 1) for (const [m, d] of dates) holidays.add(dayNumber(year, m, d));
    return { name, zone, holidays };
  });
  const teamCount = Math.max(4, Math.round(options.people / 14));
  const teams: Team[] = [];
  const resources: Resource[] = [];
  for (let i = 0; i < teamCount; i += 1) {
    const name = `team-${SERVICES[i % SERVICES.length]}${i >= SERVICES.length ? `-${Math.floor(i / SERVICES.length)}` : ''}`;
    const services = [`${SERVICES[i % SERVICES.length]}${i >= SERVICES.length ? Math.floor(i / SERVICES.length) : ''}`];
    if (random.chance(0.4)) services.push(`${services[0]}-jobs`);
    teams.push({ name, services, leads: [], members: [] });
    for (const service of services) resources.push(...resourcesFor(service, name, random));
  }
  // Platform resources everybody touches now and then.
  resources.push(
    {
      name: 'logs',
      service: 'platform',
      owner: 'platform',
      sensitivity: 'low',
      levels: ['read'],
      maxMinutes: 480,
      description: 'log search',
    },
    {
      name: 'metrics',
      service: 'platform',
      owner: 'platform',
      sensitivity: 'low',
      levels: ['read'],
      maxMinutes: 480,
      description: 'metrics',
    },
    {
      name: 'customer-pii',
      service: 'privacy',
      owner: 'platform',
      sensitivity: 'critical',
      levels: ['read'],
      maxMinutes: 120,
      description: 'customer personal data vault',
    },
    {
      name: 'warehouse',
      service: 'analytics',
      owner: 'platform',
      sensitivity: 'high',
      levels: ['read', 'write'],
      maxMinutes: 480,
      description: 'analytics warehouse',
    },
  );
  const byResource = new Map(resources.map((r) => [r.name, r]));
  const people: Person[] = [];
  const span = options.lastDay - options.firstDay;
  for (let i = 0; i < options.people; i += 1) {
    const team = teams[i % teams.length]!;
    // Teams sit in one or two offices; a few people are remote elsewhere.
    const home = offices[(teams.indexOf(team) * 7) % offices.length]!;
    const second = offices[(teams.indexOf(team) * 7 + 2) % offices.length]!;
    const office = random.chance(0.1) ? random.pick(offices) : random.chance(0.35) ? second : home;
    const email = `p${i}.${team.name.replace('team-', '')}@corp.example`;
    const joinDay = random.chance(0.06)
      ? options.firstDay + random.int(Math.floor(span * 0.3), span - 5)
      : options.firstDay - random.int(30, 2000);
    const leaveDay = random.chance(0.05) ? options.firstDay + random.int(Math.floor(span * 0.3), span + 20) : null;
    const own = resources.filter((r) => r.owner === team.name);
    const habits: Person['habits'] = [];
    const pickCount = Math.min(own.length, random.int(2, 4));
    const shuffled = [...own].sort(() => random.next() - 0.5).slice(0, pickCount);
    for (const r of shuffled) {
      const level: Level = r.levels.includes('write') && random.chance(0.45) ? 'write' : 'read';
      habits.push({ resource: r.name, weight: random.int(1, 6), level, minutes: random.pick([30, 45, 60, 60, 90, 120]) });
    }
    habits.push({ resource: random.chance(0.5) ? 'logs' : 'metrics', weight: 2, level: 'read', minutes: 60 });
    if (random.chance(0.25)) habits.push({ resource: 'warehouse', weight: 1, level: 'read', minutes: 120 });
    if (random.chance(0.2)) {
      const other = random.pick(resources.filter((r) => r.owner !== team.name && r.owner !== 'platform'));
      habits.push({ resource: other.name, weight: 1, level: 'read', minutes: 60 });
    }
    const person: Person = {
      email,
      team: team.name,
      office,
      startMinute: random.int(7 * 60, 10 * 60 + 30),
      dayMinutes: random.int(8 * 60, 9 * 60 + 30),
      nightOwl: random.chance(0.05),
      rate: Math.max(0.1, 0.9 + random.gauss() * 0.45),
      habits,
      reasonStyle: random.weighted([
        ['ticket', 0.35],
        ['stock', 0.3],
        ['free', 0.35],
      ] as const),
      stockReason: random.pick(STOCK),
      joinDay,
      leaveDay,
      lead: false,
    };
    people.push(person);
    team.members.push(email);
  }
  for (const team of teams) {
    const members = people.filter((p) => p.team === team.name && p.leaveDay === null && p.joinDay < options.firstDay);
    for (const lead of members.slice(0, 2)) {
      lead.lead = true;
      team.leads.push(lead.email);
    }
  }
  const securityTeam = people
    .filter((p) => p.leaveDay === null && p.joinDay < options.firstDay && !p.lead)
    .slice(-3)
    .map((p) => p.email);
  return { offices, teams, people, resources, byEmail: new Map(people.map((p) => [p.email, p])), byResource, securityTeam };
}

export const GENERIC_PASTE = STOCK;

/** Day number as an ISO date, for summaries. */
export const dayText = isoDay;
