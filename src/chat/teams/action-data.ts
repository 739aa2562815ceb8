import { z } from 'zod';
import { VERBS } from './cards/adaptive.js';

/**
 * The data every Keycard button sends back. Action.Execute merges the card's inputs into it, and the
 * Action.Submit fallback delivers the same object as a message value, so one schema reads both.
 */
export const ACTION_DATA_SCHEMA = z.looseObject({
  kc: z.enum(VERBS),
  number: z.coerce.number().int().positive().optional(),
  durationMs: z.coerce.number().int().positive().optional(),
  /** Anomaly buttons: which detector's alert. */
  detector: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/)
    .optional(),
});
export type ActionInput = z.infer<typeof ACTION_DATA_SCHEMA>;

/** The `adaptiveCard/action` invoke value, narrowed to what Keycard reads. */
export const INVOKE_VALUE_SCHEMA = z.object({
  action: z.looseObject({
    type: z.string(),
    verb: z.string().optional(),
    data: z.unknown().optional(),
  }),
});

/** Reads an invoke's action: the verb from `action.verb` (Universal Actions) or, failing that, from the data. */
export function actionOfInvoke(value: unknown): ActionInput | undefined {
  const parsed = INVOKE_VALUE_SCHEMA.safeParse(value);
  if (!parsed.success) return undefined;
  const data = typeof parsed.data.action.data === 'object' && parsed.data.action.data !== null ? parsed.data.action.data : {};
  const withVerb = parsed.data.action.verb ? { ...data, kc: parsed.data.action.verb } : data;
  const action = ACTION_DATA_SCHEMA.safeParse(withVerb);
  return action.success ? action.data : undefined;
}
