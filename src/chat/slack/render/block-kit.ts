import type { types } from '@slack/bolt';
import { cutText, neutraliseControls } from '../../../core/views/safe-text.js';

export type Block = types.KnownBlock;
export type Button = types.Button;

/** Block Kit limits (docs.slack.dev/reference/block-kit; python-slack-sdk validators). */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  contextText: 2000,
  /** Slack truncates message `text` at 40,000; notification text should be far shorter anyway. */
  fallbackText: 3000,
} as const;

/**
 * Escapes the three characters Slack treats as control sequences in mrkdwn and text, so user input
 * (reasons, names) can never become a mention (`<!channel>`) or a link.
 */
export function escapeText(text: string): string {
  return neutraliseControls(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A message's fallback `text` (notifications, screen readers, clients without blocks) is built from
 * plain strings with outside text in them; it is escaped where it leaves Keycard, so `<!channel>` in an
 * activity statement never pings anyone.
 */
export function fallbackText(text: string): string {
  return escapeText(text);
}

/** Shortens text to `max` characters, ending with an ellipsis and a note when something was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = ' … (truncated)';
  return `${cutText(text, max - note.length)}${note}`;
}

export function mrkdwn(text: string, max: number = LIMITS.sectionText): types.MrkdwnElement {
  return { type: 'mrkdwn', text: truncate(text, max) };
}

export function plain(text: string, max: number): types.PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

export function section(text: string): types.SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}

export function fields(items: Array<[label: string, value: string]>): types.SectionBlock {
  return { type: 'section', fields: items.slice(0, 10).map(([label, value]) => mrkdwn(`*${label}*\n${value}`, LIMITS.fieldText)) };
}

export function header(text: string): types.HeaderBlock {
  return { type: 'header', text: plain(text, LIMITS.headerText) };
}

export function context(text: string): types.ContextBlock {
  return { type: 'context', elements: [mrkdwn(text, LIMITS.contextText)] };
}

export function button(
  actionId: string,
  label: string,
  value: string,
  style?: 'primary' | 'danger',
  confirm?: types.ConfirmationDialog,
): types.Button {
  return {
    type: 'button',
    action_id: actionId,
    text: plain(label, LIMITS.buttonText),
    value,
    ...(style ? { style } : {}),
    ...(confirm ? { confirm } : {}),
  };
}

export function actions(blockId: string, elements: types.Button[]): types.ActionsBlock {
  return { type: 'actions', block_id: blockId, elements: elements.slice(0, 25) };
}

/** Splits long text into chunks that each fit a section block. */
export function chunk(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts.length > 0 ? parts : [''];
}

/** Keeps a message within the block limit, replacing the overflow with one line that says so. */
export function capBlocks(blocks: Block[], max: number = LIMITS.messageBlocks): Block[] {
  if (blocks.length <= max) return blocks;
  return [...blocks.slice(0, max - 1), context(`… ${blocks.length - max + 1} more item(s) not shown; use /access list.`)];
}

/** A message body: notification text (never secrets) plus blocks. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}
