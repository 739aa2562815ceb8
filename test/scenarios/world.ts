import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signActivityBody } from '../../src/monitor/activity-signature.js';
import { seededDataDir } from '../helpers/db.js';

/**
 * What every scenario driver shares: the people, the policy (every risk factor weighs 0, so a
 * resource's sensitivity alone decides its tier and the stories are deterministic), the webhook target
 * whose revoke can be broken on purpose, and the signed activity feed.
 */

export interface Person {
  email: string;
  /** Slack user id. */
  slack: string;
  /** Teams: bot-specific id and AAD object id. */
  teams: { id: string; aadObjectId: string };
}

const person = (name: string): Person => ({
  email: `${name}@example.com`,
  slack: `U${name.toUpperCase()}`,
  teams: { id: `29:${name}`, aadObjectId: `aad-${name}` },
});

/** alice, frank, grace, hana, ivan, judy, kim, lena, mia request; bob and erin are sre, carol db-owners, dave security; lena is on call. */
export const P = {
  alice: person('alice'),
  frank: person('frank'),
  grace: person('grace'),
  hana: person('hana'),
  ivan: person('ivan'),
  judy: person('judy'),
  kim: person('kim'),
  /** On call all the time (the policy's `dba` rotation): incident relief is hers to get, or not. */
  lena: person('lena'),
  /** Reaches the auto-approve cap (3 a day in the scenario policy); nobody else gets near it. */
  mia: person('mia'),
  bob: person('bob'),
  erin: person('erin'),
  carol: person('carol'),
  dave: person('dave'),
};
export const EVERYONE = Object.values(P);

export const ACTIVITY_SECRET = 'scenario-activity-secret-0123456789';
export const WEBHOOK_SECRET_ENV = 'SCENARIO_WEBHOOK_SECRET';
export const WEBHOOK_SECRET = 'scenario-webhook-secret';
export const INCIDENT = 'INC-4211';

/** Channel ids per platform for the logical channels the stories talk about. */
export interface ChannelIds {
  approvals: string;
  critical: string;
  alerts: string;
}

export const CONSOLE_CHANNELS: ChannelIds = { approvals: '#access-approvals', critical: '#access-critical', alerts: '#security-alerts' };
export const SLACK_CHANNELS: ChannelIds = { approvals: 'C0APPROVALS', critical: 'C0CRITICAL', alerts: 'C0ALERTS' };
/** The incident tool's Slack user: the policy's `incidents.slackChannelCreators`. */
export const SLACK_INCIDENT_BOT = 'U0INCIDENTS';
export const SLACK_INCIDENT_CHANNEL = { id: 'C0INC4211', name: 'inc-4211', creator: SLACK_INCIDENT_BOT };
/** INC-4300: the incident tool's channel is #inc-4300-orders; someone else created the exact name #inc-4300 first. */
export const SQUATTED_INCIDENT = 'INC-4300';
export const SLACK_SQUATTED_CHANNELS = {
  real: { id: 'C0INC4300', name: 'inc-4300-orders', creator: SLACK_INCIDENT_BOT },
  squatted: { id: 'C0SQUAT4300', name: 'inc-4300', creator: P.ivan.slack },
};
/** INC-4400: an incident whose channel on-call lena responds in (its members are read by one story only). */
export const ON_CALL_INCIDENT = 'INC-4400';
export const SLACK_ON_CALL_INCIDENT_CHANNEL = { id: 'C0INC4400', name: 'inc-4400', creator: SLACK_INCIDENT_BOT };
/** INC-4500: the incident tool's channel, private to the bot (its members cannot be listed). */
export const HIDDEN_MEMBERS_INCIDENT = 'INC-4500';
export const SLACK_HIDDEN_MEMBERS_CHANNEL = { id: 'C0INC4500', name: 'inc-4500', creator: SLACK_INCIDENT_BOT };
export const TEAMS_CHANNELS: ChannelIds = {
  approvals: '19:approvals@thread.tacv2',
  critical: '19:critical@thread.tacv2',
  alerts: '19:alerts@thread.tacv2',
};
export const TEAMS_INCIDENT_CHANNEL = { id: '19:inc4211@thread.tacv2', name: 'inc-4211' };

const channel = (key: keyof ChannelIds) =>
  `{ console: "${CONSOLE_CHANNELS[key]}", slack: "${SLACK_CHANNELS[key]}", teams: "${TEAMS_CHANNELS[key]}" }`;

/** The scenario policy (YAML, as `keycard start` reads it). `webhookUrl` is the breakable provider target. */
/** The token a scenario's fake PagerDuty accepts, and the variable the policy names for it. */
export const PAGERDUTY_TOKEN_ENV = 'SCENARIO_PAGERDUTY_TOKEN';
export const PAGERDUTY_TOKEN = 'scenario-pagerduty-token';

/** With `pagerDutyUrl`, PagerDuty is asked who is on call and who responds to an incident (INC-n is #n). */
export function scenarioPolicy(webhookUrl: string, options: { pagerDutyUrl?: string } = {}): string {
  const pagerDuty = options.pagerDutyUrl
    ? `, pagerduty: { tokenEnv: ${PAGERDUTY_TOKEN_ENV}, scheduleIds: [PSCENARIO], apiUrl: "${options.pagerDutyUrl}", incidentNumber: "([0-9]+)$" }`
    : '';
  return `
timezone: UTC
groups:
  sre: [bob@example.com, erin@example.com]
  db-owners: [carol@example.com]
  security: [dave@example.com]
risk:
  sensitivity: { low: 0, medium: 30, high: 60, critical: 90 }
  levels: { read: 0, write: 0, admin: 0 }
  factors:
    durationOverHalf: 0
    durationOverThreeQuarters: 0
    offHours: 0
    weekend: 0
    firstAccess: 0
    cleanHistory: 0
    recentDenial: 0
    recentAnomaly: 0
    velocity: 0
    newResourceBurst: 0
    incidentKey: 0
    ticketKey: 0
    weakReason: 0
    breakGlass: 0
    extension: 0
    onCall: 0
  thresholds: { autoApproveCap: 3 }
resources:
  app-logs:
    provider: demo
    sensitivity: low
    levels: { read: {} }
    minDuration: 3s
    maxDuration: 8h
  orders-db:
    provider: demo
    sensitivity: medium
    levels: { read: {}, write: {} }
    defaultLevel: read
    minDuration: 3s
    maxDuration: 4h
    notices: [15s]
  vault:
    provider: demo
    sensitivity: critical
    levels: { admin: {} }
    minDuration: 3s
    maxDuration: 1h
  billing:
    provider: webhook
    sensitivity: low
    connection: env:${WEBHOOK_SECRET_ENV}
    levels: { admin: { group: billing-admins } }
    minDuration: 3s
    maxDuration: 1h
    config: { url: "${webhookUrl}", retries: 0, timeoutMs: 2000 }
tiers:
  low: { upTo: 14, approvals: 0 }
  medium: { upTo: 49, approvals: 1, approvers: [sre], channel: ${channel('approvals')} }
  high: { upTo: 74, approvals: 1, approvers: [db-owners], channel: ${channel('approvals')} }
  critical: { approvals: 2, approvers: [db-owners, security], distinctGroups: true, channel: ${channel('critical')} }
alerts: { channel: ${channel('alerts')}, reviewers: [security] }
revocation: { escalateAfter: 1 }
incidents: { channelPattern: "^inc-", keyPattern: "INC-[0-9]+", slackChannelCreators: ["${SLACK_INCIDENT_BOT}"] }
onCall: { rotations: { dba: { members: [lena@example.com], start: "2026-01-05T00:00:00Z", shift: 7d } }${pagerDuty} }
`;
}

/** Revokes are retried after half a second, and (revocation.escalateAfter: 1 above) escalate at the first failure, so the Retry story needs no waiting. */
export const SCENARIO_SETTINGS = { revokeBaseDelayMs: 500 };

/** The webhook provider's target: grants succeed; revokes fail while `broken` is set. */
export interface WebhookTarget {
  url: string;
  broken: boolean;
  revokes: string[];
  close(): Promise<void>;
}

export async function startWebhookTarget(): Promise<WebhookTarget> {
  const target = { broken: false, revokes: [] as string[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { action?: string; grantId?: string };
      res.setHeader('content-type', 'application/json');
      let status = 200;
      let answer: unknown = {};
      if (body.action === 'revoke' && target.broken) {
        status = 500;
        answer = { error: 'billing API is down' };
      } else if (body.action === 'revoke') {
        target.revokes.push(String(body.grantId));
      } else if (body.action === 'list') {
        answer = { grants: [] };
      } else if (body.action === 'grant') {
        answer = { credential: { summary: `billing admin for ${body.grantId}`, secret: `bill-${body.grantId}` } };
      }
      res.statusCode = status;
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keycard`;
  return Object.assign(target, {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** Posts one signed activity event to a started Keycard's /activity, as a database audit shipper would. */
export async function postActivity(baseUrl: string, event: { grant: string; statement: string }): Promise<number> {
  const body = JSON.stringify({ at: new Date().toISOString(), ...event });
  const at = Math.floor(Date.now() / 1000);
  const response = await fetch(`${baseUrl}/activity`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-keycard-timestamp': String(at),
      'x-keycard-signature': signActivityBody(ACTIVITY_SECRET, at, body),
    },
    body,
  });
  return response.status;
}

/** Polls until `check` passes (platform deliveries are asynchronous); the last failure is thrown. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Free TCP port on loopback (the console's HTTP server takes PORT from the environment). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A fresh working directory with the scenario policy, and the environment `keycard start` reads. */
export async function scenarioEnvironment(
  webhookUrl: string,
  extra: Record<string, string> = {},
  options: { pagerDutyUrl?: string } = {},
): Promise<{ cwd: string; env: Record<string, string> }> {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const cwd = mkdtempSync(join(tmpdir(), 'kc-scenario-'));
  writeFileSync(join(cwd, 'keycard.yaml'), scenarioPolicy(webhookUrl, options));
  const env: Record<string, string> = {
    KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')),
    KEYCARD_POLICY: join(cwd, 'keycard.yaml'),
    KEYCARD_ACTIVITY_SECRET: ACTIVITY_SECRET,
    // A free port for /metrics (suites run side by side), and an audit key as production on Postgres requires.
    KEYCARD_METRICS_PORT: '0',
    KEYCARD_AUDIT_KEY: 'scenario-suite-audit-key-0123456789abcdef',
    [WEBHOOK_SECRET_ENV]: WEBHOOK_SECRET,
    ...(options.pagerDutyUrl ? { [PAGERDUTY_TOKEN_ENV]: PAGERDUTY_TOKEN } : {}),
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...extra,
  };
  return { cwd, env };
}
