import { cutText, neutraliseControls } from '../../../core/views/safe-text.js';
/** Small Adaptive Card builders. Cards are plain JSON; these helpers keep the shapes in one place. */

export type CardElement = { type: string } & Record<string, unknown>;
export type CardAction = { type: string; title: string } & Record<string, unknown>;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: CardElement[];
  actions?: CardAction[];
  msteams?: { width: 'Full' };
}

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/** Action.Execute (Universal Actions) needs 1.4+; 1.5 is what Teams documents for it. */
export const CARD_VERSION = '1.5';

/** Every Keycard button carries `kc` (the verb) so an Action.Submit fallback can be routed like an Action.Execute. */
export const VERBS = [
  'approve',
  'deny',
  'extend',
  'release',
  'review',
  'retryRevoke',
  'submitRequest',
  'anomalyRevoke',
  'anomalyAck',
  'anomalyExtend',
] as const;
export type Verb = (typeof VERBS)[number];
export type ActionData = { kc: Verb } & Record<string, string | number>;

/**
 * Teams rejects activities over about 100 KB; this budget for one card leaves room for the envelope and
 * for the longest texts the core allows (reasons are capped at 1000 characters).
 */
export const CARD_BUDGET_BYTES = 24_000;

export function card(body: CardElement[], actions: CardAction[] = []): AdaptiveCard {
  const result: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
    msteams: { width: 'Full' },
  };
  if (actions.length > 0) result.actions = actions;
  return result;
}

export function text(value: string, options: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text: value, wrap: true, ...options };
}

export function facts(entries: Array<[string, string]>): CardElement {
  return { type: 'FactSet', facts: entries.map(([title, value]) => ({ title, value })) };
}

export function container(items: CardElement[], style?: 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent'): CardElement {
  return style ? { type: 'Container', style, items } : { type: 'Container', items };
}

/**
 * An Action.Execute with an Action.Submit fallback for clients without Universal Actions; both carry
 * the same data, so the bot handles the invoke and the fallback message the same way.
 */
export function execute(title: string, data: ActionData, style?: 'positive' | 'destructive'): CardAction {
  const action: CardAction = {
    type: 'Action.Execute',
    title,
    verb: data.kc,
    data,
    fallback: { type: 'Action.Submit', title, data },
  };
  if (style) action.style = style;
  return action;
}

/** Cuts user-supplied text so one long reason cannot push a card over Teams' size limit. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  return `${cutText(value, max - 1).trimEnd()}…`;
}

/**
 * Adaptive Card text renders a markdown subset. Text typed by users (reasons, comments) is kept on one
 * line and its link syntax is broken up, so an approval card cannot carry a disguised link.
 */
export function inline(value: string): string {
  return neutraliseControls(value)
    .replace(/\s*\r?\n\s*/g, ' ')
    .replace(/\]\(/g, '] (');
}

export function cardBytes(value: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
