import type { Person } from './world.js';

/**
 * One message as the platform received it, reduced to what a person sees: where it went, its text and
 * its buttons. Drivers translate Block Kit, Adaptive Cards and terminal lines into this, so the stories
 * are written once and assert on what was delivered, never on internal calls.
 */
export interface Seen {
  /**
   * `channel:approvals` / `channel:critical` / `channel:alerts` (a tier or alerts channel), `incident`
   * (the incident channel: its root and its thread), `dm:<email>` (a direct message), `reply:<email>`
   * (what only that person was answered: an ephemeral reply, an invoke response, a console answer).
   */
  to: string;
  text: string;
  /** Button labels as shown ("Approve", "Extend 30m", "Revoke now"). */
  buttons: string[];
  /** A reply inside a thread (card thread or incident thread) rather than a message of its own. */
  thread: boolean;
  /** A later state of an earlier message (chat.update, an activity update, "card updated"). */
  update: boolean;
  /** What the driver needs to click a button on it. */
  handle?: unknown;
}

export type Where = 'dm' | 'incident-channel';

export interface RequestForm {
  resource: string;
  duration: string;
  level: string;
  reason: string;
}

export interface Driver {
  readonly name: 'console' | 'slack' | 'teams';
  /** Base URL of the started server (for the signed /activity feed). */
  readonly baseUrl: string;
  /** `who` types a command: a slash command / message to the bot / a console line. */
  say(who: Person, text: string, where?: Where): Promise<void>;
  /** `who` opens the request form and submits it (the console, which has no form, types the same fields). */
  form(who: Person, fields: RequestForm): Promise<void>;
  /** `who` clicks the button labelled `label` (prefix match) on `message`; `reason` fills a deny reason. */
  click(who: Person, message: Seen, label: string, input?: { reason?: string }): Promise<void>;
  /** Everything delivered so far, in order. */
  seen(): Seen[];
  close(): Promise<void>;
}

const quotes = (text: string) => text.replace(/[’‘]/g, "'");

export function hasButton(message: Seen, label: string): boolean {
  return message.buttons.some((b) => quotes(b).startsWith(quotes(label)));
}

export function buttonLabel(message: Seen, label: string): string {
  const found = message.buttons.find((b) => quotes(b).startsWith(quotes(label)));
  if (!found) throw new Error(`no "${label}" button on: ${message.text.slice(0, 200)} (buttons: ${message.buttons.join(', ')})`);
  return found;
}
