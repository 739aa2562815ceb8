import { formatDuration } from '../../../core/duration.js';
import type { Credential } from '../../../core/ports/provider.js';
import { formatClock } from '../../../core/views/format.js';
import type { RequestView } from '../../../core/views/request-view.js';
import { type Block, chunk, context, escapeText, fields, header, type SlackMessage, section } from './block-kit.js';

/** Secret text per section block: the 3000-character limit minus the code fence. */
const SECRET_CHUNK = 2900;
/** Sections per message: Slack rejects messages past roughly 13,000 characters of blocks (bolt-js#2509). */
const CHUNKS_PER_MESSAGE = 3;

/**
 * The credential DM. The secret is never truncated: a long one (a kubeconfig) is split over several
 * code blocks and, past a few blocks, over several messages. The notification text never holds it.
 */
export function renderCredential(view: RequestView, credential: Credential, now: Date): SlackMessage[] {
  const until = view.expiresAt ? formatClock(view.expiresAt, view.timezone, now) : '?';
  const text = `${view.ref}: your access to ${view.resource} (${view.level}) is active until ${until}. Your credential is in this message.`;
  const parts = chunk(escapeText(credential.secret), SECRET_CHUNK);
  const secretBlocks = parts.map((part) => section(`\`\`\`${part}\`\`\``));
  const intro: Block[] = [
    header(`Access granted: ${view.ref}`),
    section(
      escapeText(`${view.resource} (${view.level}) is active until ${until} (${formatDuration(view.durationMs)}). ${credential.summary}`),
    ),
  ];
  const extra = Object.entries(credential.fields ?? {});
  if (extra.length > 0) intro.push(fields(extra.map(([k, v]) => [escapeText(k), escapeText(v)])));
  const outro = context('Shown once: Keycard does not keep this secret. It stops working when the grant ends.');
  const messages: SlackMessage[] = [];
  for (let i = 0; i < secretBlocks.length; i += CHUNKS_PER_MESSAGE) {
    const slice = secretBlocks.slice(i, i + CHUNKS_PER_MESSAGE);
    const first = i === 0;
    const last = i + CHUNKS_PER_MESSAGE >= secretBlocks.length;
    const part = `${Math.floor(i / CHUNKS_PER_MESSAGE) + 1}/${Math.ceil(secretBlocks.length / CHUNKS_PER_MESSAGE)}`;
    messages.push({
      text: first ? text : `${view.ref}: credential continued (${part})`,
      blocks: [...(first ? intro : [context(`${view.ref} credential, continued (${part})`)]), ...slice, ...(last ? [outro] : [])],
    });
  }
  return messages;
}
