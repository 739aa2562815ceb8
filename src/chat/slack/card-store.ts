import { z } from 'zod';
import type { StateStore } from '../../core/ports/state.js';
import type { RequestView } from '../../core/views/request-view.js';

/** Where a request's approval card lives, kept in Keycard's database so updates survive restarts and replicas. */
export interface CardRef {
  channel: string;
  ts: string;
  /** chat.getPermalink of the card, fetched once for links from the incident thread. */
  permalink?: string;
  /** The incident thread link the card was last rendered with, so it is re-rendered once when the thread opens. */
  incidentUrl?: string;
}

const NAMESPACE = 'slack:card';
const cardRefSchema = z.object({
  channel: z.string().min(1),
  ts: z.string().min(1),
  permalink: z.string().optional(),
  incidentUrl: z.string().optional(),
});

export interface CardStore {
  get(requestId: string): Promise<CardRef | undefined>;
  put(requestId: string, ref: CardRef): Promise<void>;
}

export function createCardStore(state: StateStore): CardStore {
  return {
    async get(requestId) {
      const parsed = cardRefSchema.safeParse(await state.get(NAMESPACE, requestId));
      return parsed.success ? parsed.data : undefined;
    },
    async put(requestId, ref) {
      await state.put(NAMESPACE, requestId, { ...ref });
    },
  };
}

/**
 * True for a request that never waited for approval (its tier needs none, or it was break-glass): it was
 * approved when created, so it never had a card and there is nothing to look up for it.
 */
export function neverHadCard(view: RequestView): boolean {
  return view.breakGlass || view.approvalsRequired === 0;
}
