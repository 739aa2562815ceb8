import type { Rng } from './prng.js';

const WORK = [
  'investigate slow queries on {r}',
  'backfill rows missed by the {t} migration',
  'verify the nightly export finished on {r}',
  'rotate the service credentials for {r}',
  'check replication lag on {r}',
  'debug failing checkout requests for a customer',
  'apply the schema change reviewed in standup',
  'look into the error spike from this morning',
  'clean up stuck jobs in the {t} queue',
  'confirm the config rollout reached production',
  'answer a support escalation about a missing order',
  'compare row counts before the release',
  'tune the connection pool after the alert',
  'inspect a failed deployment of the {t} service',
  'restore a config value changed by mistake',
  'pull numbers for the quarterly report',
];
// What people really type when they are in a hurry: too short for a reviewer to judge.
const WEAK = [
  'debug',
  'check',
  'fix',
  'access',
  'need access',
  'prod issue',
  'looking',
  'quick check',
  'testing',
  '.',
  'work',
  'pls',
  'tmp',
];
const INCIDENT_WORK = [
  'mitigating {i}: restart stuck consumers',
  '{i} checkout errors, checking {r}',
  '{i} rolling back the bad config',
  'on call for {i}, inspecting {r}',
  '{i}: clearing the backlog',
  'investigating {i} latency on {r}',
];
const INCIDENT_NO_KEY = ['prod is down, need to look at {r}', 'paged: errors from {r}', 'on call, alert firing on {r}'];
const TICKET_PREFIX: Record<string, string> = {
  payments: 'PAY',
  orders: 'ORD',
  identity: 'IDN',
  search: 'SRCH',
  data: 'DATA',
  platform: 'PLAT',
  mobile: 'MOB',
  growth: 'GRW',
  billing: 'BILL',
  support: 'SUP',
};

export type ReasonStyle = 'ticket' | 'descriptive' | 'weak';

function fill(template: string, resource: string, team: string, incident = ''): string {
  return template.replaceAll('{r}', resource).replaceAll('{t}', team).replaceAll('{i}', incident);
}

export function ticketKey(rng: Rng, team: string): string {
  return `${TICKET_PREFIX[team] ?? 'OPS'}-${rng.int(100, 4999)}`;
}

/** A reason in one of the three styles people write: citing a ticket, describing the work, or barely anything. */
export function reasonFor(rng: Rng, style: ReasonStyle, resource: string, team: string): string {
  if (style === 'weak') return rng.pick(WEAK);
  const work = fill(rng.pick(WORK), resource, team);
  if (style === 'descriptive') return work;
  const ticket = ticketKey(rng, team);
  return rng.weighted([`${ticket}: ${work}`, `${work} (${ticket})`, ticket], [0.5, 0.35, 0.15]);
}

/** Routine work: about half cite a ticket, a few write next to nothing. */
export function routineReason(rng: Rng, resource: string, team: string): string {
  return reasonFor(rng, rng.weighted<ReasonStyle>(['ticket', 'descriptive', 'weak'], [0.45, 0.43, 0.12]), resource, team);
}

/** During an incident most people paste the key; some forget in the rush. */
export function incidentReason(rng: Rng, incidentKey: string, resource: string): string {
  if (rng.chance(0.15)) return fill(rng.pick(INCIDENT_NO_KEY), resource, '');
  return fill(rng.pick(INCIDENT_WORK), resource, '', incidentKey);
}
