import { z } from 'zod';
import type { StateStore } from '../../core/ports/state.js';

/** Where a request's approval card lives, kept in Keycard's database so updates survive restarts and replicas. */
export interface CardRef {
  channel: string;
  ts: string;
}

const NAMESPACE = 'slack:card';
const cardRefSchema = z.object({ channel: z.string().min(1), ts: z.string().min(1) });

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
      await state.put(NAMESPACE, requestId, { channel: ref.channel, ts: ref.ts });
    },
  };
}
