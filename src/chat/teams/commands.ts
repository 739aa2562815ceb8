import type { TurnContext } from 'botbuilder';
import { handleCommand } from '../../core/commands/handle.js';
import { type Reply, replyText } from '../../core/commands/reply.js';
import type { CoreDeps } from '../../core/lifecycle/deps.js';
import type { RequestOrigin } from '../../core/types.js';
import { commandText } from './activity.js';
import { CARD_CONTENT_TYPE } from './cards/adaptive.js';
import { textCard } from './cards/direct-cards.js';
import { requestForm } from './cards/request-form.js';

export interface CommandReplier {
  deps: CoreDeps;
  actor: string;
  origin: RequestOrigin;
}

const TEAMS_HELP = [
  'In a channel, @mention Keycard first; in a chat with Keycard just type. The leading "access" is optional.',
  'Send "access" on its own for a form.',
  '',
].join('\n');

/** A bare `access` (or nothing but the @mention) asks for the form. */
export function wantsForm(text: string): boolean {
  return /^\/?(access)?$/i.test(text.trim());
}

function replyCard(reply: Reply, now: Date) {
  const body = replyText(reply, now);
  const value = reply.kind === 'help' ? `${TEAMS_HELP}${body}` : body;
  return { text: value.split('\n')[0] ?? '', card: textCard(value, reply.kind === 'error' ? 'attention' : undefined) };
}

/** One typed command: parsed and run by the same core entry point as Slack and the console, answered in the same conversation. */
export async function handleMessage(context: TurnContext, raw: string, replier: CommandReplier): Promise<void> {
  const { deps } = replier;
  const text = commandText(raw);
  if (wantsForm(text)) {
    await context.sendActivity({
      type: 'message',
      summary: 'Request temporary access',
      attachments: [{ contentType: CARD_CONTENT_TYPE, content: requestForm(deps.policy()) }],
    });
    return;
  }
  const reply = await handleCommand(deps, { actor: replier.actor, text, origin: replier.origin });
  const { text: summary, card } = replyCard(reply, deps.clock.now());
  await context.sendActivity({ type: 'message', summary, attachments: [{ contentType: CARD_CONTENT_TYPE, content: card }] });
}
