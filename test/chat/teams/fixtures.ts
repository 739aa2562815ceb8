import type { Activity } from 'botbuilder';
import type { MemberInfo } from '../../../src/chat/teams/identity.js';
import type { TeamsApi, TeamsTransport } from '../../../src/chat/teams/index.js';
import type { StoredReference } from '../../../src/chat/teams/references.js';
import type { OutboundMessage } from '../../../src/chat/teams/transport.js';
import { makePolicy } from '../../fixtures/policy.js';

export const APP_ID = '00000000-0000-4000-8000-00000000b07a';
export const TENANT = 'tenant-1';
export const SERVICE_URL = 'https://smba.trafficmanager.net/amer/';
export const APPROVAL_CHANNEL = '19:medium@thread.tacv2';
export const ALERT_CHANNEL = '19:alerts@thread.tacv2';
export const TEAM_ID = '19:general@thread.tacv2';
export const INCIDENT_CHANNEL = '19:inc4211@thread.tacv2';
/** A channel whose name only looks like INC-4211's (inc-42110): it must never get INC-4211's thread. */
export const NEAR_MISS_CHANNEL = '19:inc42110@thread.tacv2';
export const TEAM = { id: TEAM_ID, name: 'Ops', aadGroupId: 'group-ops' };
/** The team's channels as TeamsInfo lists them (the General channel has no name). */
export const TEAM_CHANNELS = [
  { id: TEAM_ID },
  { id: APPROVAL_CHANNEL, name: 'access-approvals' },
  { id: ALERT_CHANNEL, name: 'security-alerts' },
  { id: INCIDENT_CHANNEL, name: 'inc-4211' },
  { id: NEAR_MISS_CHANNEL, name: 'inc-42110' },
];

/** People as Teams knows them: bot-specific id, AAD object id, email. */
export const PEOPLE = {
  alice: { id: '29:alice', aadObjectId: 'aad-alice', email: 'alice@example.com' },
  bob: { id: '29:bob', aadObjectId: 'aad-bob', email: 'bob@example.com' },
  erin: { id: '29:erin', aadObjectId: 'aad-erin', email: 'erin@example.com' },
  carol: { id: '29:carol', aadObjectId: 'aad-carol', email: 'carol@example.com' },
} as const;
export type Person = (typeof PEOPLE)[keyof typeof PEOPLE];

/** The fixture policy with Teams channels for the medium tier and for alerts. */
export function teamsPolicy() {
  return makePolicy({
    tiers: {
      low: { upTo: 14, approvals: 0 },
      medium: { upTo: 49, approvals: 1, approvers: ['sre'], channel: { teams: APPROVAL_CHANNEL } },
      high: { upTo: 74, approvals: 1, approvers: ['db-owners'], channel: { teams: APPROVAL_CHANNEL } },
      critical: { approvals: 2, approvers: ['db-owners', 'security'], distinctGroups: true, breakGlass: true, approvalTtl: '30m' },
    },
    alerts: { channel: { teams: ALERT_CHANNEL }, reviewers: ['security'] },
  });
}

let nextId = 1;

/** A Teams-shaped activity from a person, in their personal chat or in a team channel (the approval channel unless `channel` says). */
export function activityFrom(
  person: Person,
  fields: Partial<Activity> & { where?: 'personal' | 'channel'; channel?: string },
): Partial<Activity> {
  const { where = 'personal', channel = APPROVAL_CHANNEL, ...rest } = fields;
  const conversation =
    where === 'personal'
      ? { id: `a:dm-${person.aadObjectId}`, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' }
      : { id: `${channel};messageid=1700000000000`, conversationType: 'channel', tenantId: TENANT, isGroup: true, name: '' };
  return {
    id: `in-${nextId++}`,
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    from: { id: person.id, aadObjectId: person.aadObjectId, name: person.email },
    recipient: { id: `28:${APP_ID}`, name: 'Keycard' },
    conversation,
    channelData: {
      tenant: { id: TENANT },
      ...(where === 'channel' ? { team: TEAM, channel: { id: channel } } : {}),
    },
    ...rest,
  };
}

/** An Action.Execute click. */
export function invoke(person: Person, verb: string, data: Record<string, unknown>, where: 'personal' | 'channel' = 'channel') {
  return activityFrom(person, {
    where,
    type: 'invoke',
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', verb, data: { kc: verb, ...data } }, trigger: 'manual' },
  });
}

export function memberOf(id: string): MemberInfo {
  const person = Object.values(PEOPLE).find((p) => p.id === id);
  if (!person) throw new Error(`unknown member ${id}`);
  return { ...person, userPrincipalName: person.email };
}

/** TeamsInfo answered from PEOPLE; counts lookups so caching is visible. */
export function createFakeApi(): TeamsApi & { lookups: number } {
  const api = {
    lookups: 0,
    async getMember(_context: unknown, userId: string) {
      api.lookups += 1;
      return memberOf(userId);
    },
    async getTeamChannels() {
      return TEAM_CHANNELS;
    },
    async *getTeamMembers() {
      yield Object.values(PEOPLE).map((p) => ({ ...p }));
    },
  };
  return api;
}

export interface Delivery {
  op: 'send' | 'update' | 'create';
  conversationId: string;
  activityId?: string;
  message?: OutboundMessage;
}

/** A transport that records proactive traffic instead of calling the Bot Connector. */
export function createRecordingTransport(): TeamsTransport & { log: Delivery[] } {
  let n = 0;
  const log: Delivery[] = [];
  return {
    log,
    async send(_reference: StoredReference, conversationId: string, message: OutboundMessage) {
      const activityId = `out-${++n}`;
      log.push({ op: 'send', conversationId, activityId, message });
      return activityId;
    },
    async update(_reference: StoredReference, conversationId: string, activityId: string, message: OutboundMessage) {
      log.push({ op: 'update', conversationId, activityId, message });
    },
    async createPersonal(via: StoredReference, user: { id: string; aadObjectId: string }, tenantId: string) {
      const conversationId = `a:created-${user.aadObjectId}`;
      log.push({ op: 'create', conversationId });
      return { ...via, conversation: { id: conversationId, conversationType: 'personal', tenantId }, user };
    },
  };
}

/** Every text on a card (TextBlocks, facts, action titles), for assertions that do not depend on layout. */
export function cardText(value: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    for (const key of ['text', 'title', 'value']) if (typeof record[key] === 'string') out.push(record[key] as string);
    for (const child of Object.values(record)) if (typeof child === 'object') walk(child);
  };
  walk(value);
  return out.join('\n');
}

/** The Action.Execute verbs a card offers (including those inside a ShowCard). */
export function verbsOf(value: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record.type === 'Action.Execute' && typeof record.verb === 'string') found.push(record.verb);
    for (const [key, child] of Object.entries(record)) if (key !== 'fallback' && typeof child === 'object') walk(child);
  };
  walk(value);
  return found;
}
