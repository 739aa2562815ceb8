import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatAdapter } from '../../src/chat/adapter.js';
import type { CoreDeps } from '../../src/core/lifecycle/deps.js';
import { createRecordingChat, type RecordingChat } from '../helpers/harness.js';

export const SCIM_TOKEN = 'scim-test-token-0123456789abcdef0123456789';

/** A connected chat platform that records what Keycard sends (the started server's only chat). */
export function recordingAdapter(): ChatAdapter & { deps?: CoreDeps; recorded: RecordingChat } {
  const recorded = createRecordingChat();
  const adapter: ChatAdapter & { deps?: CoreDeps; recorded: RecordingChat } = {
    platform: 'slack',
    chat: recorded,
    recorded,
    incidentResponders: { isResponder: async () => undefined },
    routes: () => [],
    async start(deps) {
      adapter.deps = deps;
    },
    ready: async () => true,
    stop: async () => {},
  };
  return adapter;
}

/** A policy whose every tier needs one approval from the given group (a directory reference). */
export function writePolicy(dir: string, approvers: string, extra = ''): string {
  const path = join(dir, 'keycard.yaml');
  writeFileSync(
    path,
    `timezone: UTC
resources:
  demo-db:
    provider: demo
    sensitivity: high
    levels: { read: {}, write: {} }
    minDuration: 10s
    maxDuration: 4h
${extra}tiers:
  low: { upTo: 0, approvals: 1, approvers: ["${approvers}"] }
  medium: { upTo: 98, approvals: 1, approvers: ["${approvers}"] }
  high: { upTo: 99, approvals: 1, approvers: ["${approvers}"] }
  critical: { approvals: 1, approvers: ["${approvers}"] }
`,
  );
  return path;
}

export interface ScimAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Calls Keycard's SCIM endpoint as an identity provider would. */
export async function scim(port: number, method: string, path: string, body?: unknown, token = SCIM_TOKEN): Promise<ScimAnswer> {
  const response = await fetch(`http://127.0.0.1:${port}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', accept: 'application/scim+json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The User resource Okta sends on create. */
export function oktaUser(email: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const [given] = email.split('@');
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: email,
    name: { givenName: given, familyName: 'Example' },
    emails: [{ primary: true, value: email, type: 'work' }],
    displayName: `${given} Example`,
    active: true,
    externalId: `00u${given}`,
    groups: [],
    ...extra,
  };
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
