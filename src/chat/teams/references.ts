import { z } from 'zod';
import type { StateStore } from '../../core/ports/state.js';

/**
 * Conversation references, the only way to message Teams proactively. They are kept in Keycard's
 * database (namespace `teams:conversation`), keyed `user:<AAD object id>` for personal chats and
 * `channel:<conversation id>` for team channels and group chats, and refreshed on every activity
 * because `serviceUrl` differs by region and can change.
 */
export const CONVERSATIONS = 'teams:conversation';
/** Where each request's approval card lives: `teams:card` keyed by request id. */
export const CARDS = 'teams:card';
/** Each incident's one thread: the root post in the incident channel, `teams:incident` keyed by incident key. */
export const INCIDENTS = 'teams:incident';

const account = z.object({ id: z.string().min(1), name: z.string().optional(), aadObjectId: z.string().optional() });

export const referenceSchema = z.object({
  serviceUrl: z.url(),
  channelId: z.string().min(1),
  conversation: z.object({
    id: z.string().min(1),
    conversationType: z.string().optional(),
    tenantId: z.string().optional(),
    isGroup: z.boolean().optional(),
  }),
  bot: account,
  user: account.optional(),
  teamId: z.string().optional(),
});
export type StoredReference = z.infer<typeof referenceSchema>;

const placementSchema = z.object({
  reference: referenceSchema,
  activityId: z.string().min(1),
  /** The incident thread link the card was last rendered with (cards only). */
  incidentLink: z.string().optional(),
});
export type CardPlacement = z.infer<typeof placementSchema>;

/** Channel messages arrive with `;messageid=<root>` when they are in a thread; the channel itself is the part before. */
export function baseConversationId(id: string): string {
  return id.split(';')[0] ?? id;
}

export function isChannel(reference: StoredReference): boolean {
  return reference.conversation.conversationType === 'channel';
}

export interface ReferenceStore {
  /** Saves a reference under its key unless an identical one is already saved (one write per change, not per message). */
  save(key: string, reference: StoredReference): Promise<void>;
  personal(aadObjectId: string): Promise<StoredReference | undefined>;
  channel(conversationId: string): Promise<StoredReference | undefined>;
  /** Any stored team or chat reference, for its serviceUrl and tenant when a personal chat must be created. */
  any(): Promise<StoredReference | undefined>;
  saveCard(requestId: string, placement: CardPlacement): Promise<void>;
  card(requestId: string): Promise<CardPlacement | undefined>;
  saveIncident(key: string, placement: CardPlacement): Promise<void>;
  incident(key: string): Promise<CardPlacement | undefined>;
}

export function createReferenceStore(state: () => StateStore): ReferenceStore {
  const seen = new Map<string, string>();
  const read = async (key: string): Promise<StoredReference | undefined> => {
    const value = await state().get(CONVERSATIONS, key);
    const parsed = referenceSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };
  return {
    async save(key, reference) {
      const json = JSON.stringify(reference);
      if (seen.get(key) === json) return;
      await state().put(CONVERSATIONS, key, { ...reference });
      seen.set(key, json);
    },
    personal: (aadObjectId) => read(`user:${aadObjectId}`),
    channel: (conversationId) => read(`channel:${baseConversationId(conversationId)}`),
    async any() {
      for (const row of await state().list(CONVERSATIONS)) {
        const parsed = referenceSchema.safeParse(row.value);
        if (parsed.success) return parsed.data;
      }
      return undefined;
    },
    async saveCard(requestId, placement) {
      await state().put(CARDS, requestId, { ...placement });
    },
    async card(requestId) {
      const parsed = placementSchema.safeParse(await state().get(CARDS, requestId));
      return parsed.success ? parsed.data : undefined;
    },
    async saveIncident(key, placement) {
      await state().put(INCIDENTS, key, { ...placement });
    },
    async incident(key) {
      const parsed = placementSchema.safeParse(await state().get(INCIDENTS, key));
      return parsed.success ? parsed.data : undefined;
    },
  };
}
