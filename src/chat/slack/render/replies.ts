import { type Reply, replyText } from '../../../core/commands/reply.js';
import { type Block, capBlocks, chunk, context, escapeText, LIMITS, type SlackMessage, section, truncate } from './block-kit.js';

/**
 * A command's answer as an ephemeral message. The core's plain-text rendering is the shared wording
 * across surfaces; here it is escaped and split into sections that fit Block Kit.
 */
export function renderReply(reply: Reply, now: Date, note?: string): SlackMessage {
  const text = replyText(reply, now);
  const body = reply.kind === 'error' ? `:warning: ${reply.message}` : reply.kind === 'help' ? reply.text : text;
  const blocks: Block[] = chunk(escapeText(body), LIMITS.sectionText - 20).map((part) =>
    section(reply.kind === 'help' || reply.kind === 'overview' ? `\`\`\`${part}\`\`\`` : part),
  );
  if (reply.kind === 'error' && reply.usage) blocks.push(context(`Usage: \`${escapeText(reply.usage)}\``));
  if (note) blocks.push(context(escapeText(note)));
  return { text: truncate(note ? `${text}\n${note}` : text, LIMITS.fallbackText), blocks: capBlocks(blocks) };
}

/** A one-line ephemeral answer (refusals, confirmations of button clicks). */
export function renderNotice(text: string, icon = ''): SlackMessage {
  return { text: truncate(text, LIMITS.fallbackText), blocks: [section(`${icon ? `${icon} ` : ''}${escapeText(text)}`)] };
}
