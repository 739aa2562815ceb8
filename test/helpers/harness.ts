import { randomUUID } from 'node:crypto';
import { createPolicyDirectory } from '../../src/core/directory/policy-directory.js';
import { type CoreDeps, DEFAULT_SETTINGS, type LifecycleSettings } from '../../src/core/lifecycle/deps.js';
import type { Policy } from '../../src/core/policy/schema.js';
import type { AnomalyAlert, ChannelAlert, ChatPort, DirectMessage, IncidentRef } from '../../src/core/ports/chat.js';
import type { Provider } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { RequestView } from '../../src/core/views/request-view.js';
import { makePolicy } from '../fixtures/policy.js';
import { createTestStore, type StoreKind, type TestStore } from './db.js';
import { createScriptedProvider, type ScriptedProvider } from './scripted-provider.js';

export interface FakeClock {
  now(): Date;
  set(at: Date): void;
  advance(ms: number): Date;
}

export function createFakeClock(start: Date): FakeClock {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    set: (at) => {
      t = at.getTime();
    },
    advance: (ms) => {
      t += ms;
      return new Date(t);
    },
  };
}

export type ChatEvent =
  | { type: 'card'; view: RequestView; channel: string | undefined }
  | { type: 'thread'; view: RequestView; text: string }
  | { type: 'dm'; to: string; message: DirectMessage }
  | { type: 'alert'; channel: string | undefined; alert: ChannelAlert }
  | { type: 'anomaly'; to: string; alert: AnomalyAlert }
  | { type: 'incident'; incident: IncidentRef; view: RequestView; text: string };

export interface RecordingChat extends ChatPort {
  events: ChatEvent[];
  dms(to?: string, kind?: DirectMessage['kind']): Array<{ to: string; message: DirectMessage }>;
  clear(): void;
}

/** A chat port that records what it is asked to send (a fake, not a mock: it implements the port). */
export function createRecordingChat(): RecordingChat {
  const events: ChatEvent[] = [];
  return {
    events,
    async publishCard(view, channel) {
      events.push({ type: 'card', view, channel: channel?.console });
    },
    async postThread(view, text) {
      events.push({ type: 'thread', view, text });
    },
    async sendDirect(to, message) {
      events.push({ type: 'dm', to, message });
    },
    async postAlert(channel, alert) {
      events.push({ type: 'alert', channel: channel?.console, alert });
    },
    async sendAnomaly(to, alert) {
      events.push({ type: 'anomaly', to, alert });
    },
    async postIncident(incident, view, text) {
      events.push({ type: 'incident', incident, view, text });
    },
    dms(to, kind) {
      return events
        .filter((e): e is Extract<ChatEvent, { type: 'dm' }> => e.type === 'dm')
        .filter((e) => (to === undefined || e.to === to) && (kind === undefined || e.message.kind === kind))
        .map((e) => ({ to: e.to, message: e.message }));
    },
    clear() {
      events.length = 0;
    },
  };
}

export interface Harness {
  deps: CoreDeps;
  clock: FakeClock;
  chat: RecordingChat;
  provider: ScriptedProvider;
  testStore: TestStore;
  close(): Promise<void>;
}

export async function createHarness(
  kind: StoreKind,
  options: { policy?: Policy; start?: Date; settings?: Partial<LifecycleSettings>; providers?: Record<string, Provider> } = {},
): Promise<Harness> {
  const clock = createFakeClock(options.start ?? new Date('2026-11-24T09:00:00Z'));
  const testStore = await createTestStore(kind, { clock });
  const chat = createRecordingChat();
  const provider = createScriptedProvider('demo');
  const providers: Record<string, Provider> = { demo: provider, ...options.providers };
  const policy = options.policy ?? makePolicy();
  const deps: CoreDeps = {
    store: testStore.store,
    policy: () => policy,
    directory: createPolicyDirectory(() => policy),
    providers: { get: (k) => providers[k] },
    chat,
    chatPlatforms: [{ platform: 'console', chat }],
    clock,
    ids: { uuid: randomUUID },
    random: () => 0.5,
    log: silentLogger,
    resolveSecret: () => undefined,
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
  };
  return { deps, clock, chat, provider, testStore, close: () => testStore.close() };
}
