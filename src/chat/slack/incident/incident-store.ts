import { z } from 'zod';
import type { StateStore } from '../../../core/ports/state.js';

/** An incident's one thread: the root message Keycard posted in the incident channel. */
export interface IncidentRoot {
  channel: string;
  ts: string;
  /** The channel's name, for link labels. */
  name?: string;
  /** chat.getPermalink of the root, so approval cards can link to the thread. */
  permalink?: string;
}

/** Namespace `slack:incident`, keyed by incident key (INC-4211): kept in the database so every replica and restart reuses the thread. */
const NAMESPACE = 'slack:incident';
const rootSchema = z.object({
  channel: z.string().min(1),
  ts: z.string().min(1),
  name: z.string().optional(),
  permalink: z.string().optional(),
});

export interface IncidentStore {
  get(key: string): Promise<IncidentRoot | undefined>;
  put(key: string, root: IncidentRoot): Promise<void>;
}

export function createIncidentStore(state: StateStore): IncidentStore {
  return {
    async get(key) {
      const parsed = rootSchema.safeParse(await state.get(NAMESPACE, key));
      return parsed.success ? parsed.data : undefined;
    },
    async put(key, root) {
      await state.put(NAMESPACE, key, { ...root });
    },
  };
}
