import { type Activity, TestAdapter } from 'botbuilder';
import { createTeamsAdapter, type TeamsAdapter } from '../../../src/chat/teams/index.js';
import type { StoreKind } from '../../helpers/db.js';
import { createHarness, type Harness } from '../../helpers/harness.js';
import {
  APP_ID,
  APPROVAL_CHANNEL,
  activityFrom,
  createFakeApi,
  createRecordingTransport,
  PEOPLE,
  type Person,
  teamsPolicy,
} from './fixtures.js';

export interface TeamsFlow {
  h: Harness;
  teams: TeamsAdapter;
  transport: ReturnType<typeof createRecordingTransport>;
  api: ReturnType<typeof createFakeApi>;
  /** Delivers one activity to the bot and returns what it sent back in that turn. */
  deliver(activity: Partial<Activity>): Promise<Array<Partial<Activity>>>;
  /** Types a message to the bot. */
  say(person: Person, text: string, where?: 'personal' | 'channel'): Promise<Array<Partial<Activity>>>;
  close(): Promise<void>;
}

/**
 * Keycard's core on a real store with a fake clock, its chat wired to the Teams adapter, driven through
 * botbuilder's TestAdapter. Proactive traffic goes to a recording transport (TestAdapter cannot continue
 * conversations); the HTTP suite covers the real connector calls.
 */
export async function createTeamsFlow(kind: StoreKind, options: { invokeDeadlineMs?: number; start?: Date } = {}): Promise<TeamsFlow> {
  const h = await createHarness(kind, { policy: teamsPolicy(), ...(options.start ? { start: options.start } : {}) });
  const transport = createRecordingTransport();
  const api = createFakeApi();
  // Rate-limit waits and retry backoff advance a virtual clock instead of real time.
  let virtual = 0;
  const teams = createTeamsAdapter(
    { appId: APP_ID, appPassword: 'unused', appType: 'MultiTenant', allowUnauthenticated: false },
    {
      transport,
      api,
      invokeDeadlineMs: options.invokeDeadlineMs ?? 5_000,
      now: () => virtual,
      sleep: async (ms) => {
        virtual += ms;
      },
    },
  );
  h.deps.chat = teams.chat;
  await teams.start(h.deps);
  const adapter = new TestAdapter((context) => teams.bot.run(context));
  const deliver = async (activity: Partial<Activity>) => {
    adapter.activeQueue.splice(0);
    await adapter.processActivity(activity);
    return adapter.activeQueue.splice(0);
  };
  // The app is installed in the team that owns the approval channel, and everyone has a personal chat with it.
  await deliver(
    activityFrom(PEOPLE.bob, { where: 'channel', type: 'conversationUpdate', membersAdded: [{ id: `28:${APP_ID}`, name: 'Keycard' }] }),
  );
  for (const person of Object.values(PEOPLE)) {
    await deliver(activityFrom(person, { type: 'installationUpdate', action: 'add' }));
  }
  transport.log.splice(0);
  return {
    h,
    teams,
    transport,
    api,
    deliver,
    say: (person, text, where = 'personal') =>
      deliver(
        activityFrom(person, {
          where,
          type: 'message',
          text: where === 'channel' ? `<at>Keycard</at> ${text}` : text,
          ...(where === 'channel'
            ? { entities: [{ type: 'mention', text: '<at>Keycard</at>', mentioned: { id: `28:${APP_ID}`, name: 'Keycard' } }] }
            : {}),
        }),
      ),
    async close() {
      await teams.stop();
      await h.close();
    },
  };
}

export { APPROVAL_CHANNEL };

/** The Adaptive Card attached to an activity. */
export function attachedCard(activity: Partial<Activity> | undefined): unknown {
  return activity?.attachments?.[0]?.content;
}

/** The body of an invoke response (`{ statusCode, type, value }`). */
export function invokeBody(replies: Array<Partial<Activity>>): { statusCode: number; type: string; value: unknown } {
  const response = replies.find((a) => a.type === 'invokeResponse');
  if (!response) throw new Error(`no invoke response among ${replies.map((r) => r.type).join(', ')}`);
  return (response.value as { body: { statusCode: number; type: string; value: unknown } }).body;
}
