import { z } from 'zod';
import { auditRefusal } from '../../../core/audit/refusals.js';
import type { CoreDeps } from '../../../core/lifecycle/deps.js';
import type { Logger } from '../../../core/ports/runtime.js';
import type { Identity } from '../identity.js';
import { fallbackText, type SlackMessage } from '../render/block-kit.js';
import { renderNotice } from '../render/replies.js';
import { type ResponseMode, respondTo } from '../responder.js';
import type { WebClient } from '../web-clients.js';

/** What every listener needs: the built core, identity, the interactive client, and a way to answer. */
export interface ListenerContext {
  core(): CoreDeps;
  identity: Identity;
  interactive: WebClient;
  log: Logger;
  fetch: typeof fetch;
  /** SLACK_API_URL when set: response_urls on its origin are accepted too (Slack's own hosts always are). */
  apiUrl: string | undefined;
  /** Re-renders someone's App Home, optionally with a one-line notice at the top. */
  publishHome(userId: string, notice?: string): Promise<void>;
}

const clickSchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
  response_url: z.string().optional(),
  trigger_id: z.string().optional(),
  view: z.object({ type: z.string() }).optional(),
});

/** A verified button click: who clicked (from the signed payload), on which request, and where to answer. */
export interface Click {
  userId: string;
  number: number | undefined;
  responseUrl: string | undefined;
  triggerId: string | undefined;
  fromHome: boolean;
}

export function parseClick(body: unknown): Click | undefined {
  const parsed = clickSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const value = parsed.data.actions[0]?.value;
  const number = value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
  return {
    userId: parsed.data.user.id,
    number,
    responseUrl: parsed.data.response_url,
    triggerId: parsed.data.trigger_id,
    fromHome: parsed.data.view?.type === 'home',
  };
}

/** Answers the person who acted: ephemerally where Slack gave a response_url, else on their App Home. */
export interface Replier {
  say(text: string, icon?: string): Promise<void>;
  send(message: SlackMessage, mode?: ResponseMode): Promise<void>;
}

export function replierFor(
  ctx: ListenerContext,
  target: { userId: string; responseUrl?: string | undefined; fromHome?: boolean },
): Replier {
  const send = async (message: SlackMessage, mode: ResponseMode = 'ephemeral') => {
    if (target.responseUrl) return respondTo(ctx, target.responseUrl, message, mode);
    if (target.fromHome) return ctx.publishHome(target.userId, message.text);
    // No response_url (a modal opened from App Home): the app's DM with this person.
    try {
      await ctx.interactive.chat.postMessage({ channel: target.userId, text: fallbackText(message.text), blocks: message.blocks });
    } catch (error) {
      ctx.log.warn({ userId: target.userId, err: error instanceof Error ? error.message : String(error) }, 'could not answer a Slack user');
    }
  };
  return { send, say: (text, icon) => send(renderNotice(text, icon)) };
}

/** The clicking person's email, or undefined after telling them why they cannot act. */
export async function actorEmail(ctx: ListenerContext, userId: string, reply: Replier): Promise<string | undefined> {
  const identity = await ctx.identity.emailOf(userId);
  if (identity.ok) return identity.email;
  // Who was turned away is an audit fact; Slack being unreachable is not a refusal of the person.
  if (identity.code !== 'unavailable')
    await auditRefusal(ctx.core(), {
      operation: 'identify',
      actor: `slack:${userId}`,
      code: identity.code,
      message: identity.message,
      details: { platform: 'slack', userId },
    });
  await reply.say(identity.message, ':no_entry_sign:');
  return undefined;
}

/** JSON kept in a modal's private_metadata: a request number and where to answer. Never secrets. */
const metadataSchema = z.object({
  n: z.number().int().positive().optional(),
  r: z.string().optional(),
  c: z.string().optional(),
  /** The channel's name, so a request sent from the form in #inc-4211 is linked to INC-4211. */
  cn: z.string().max(80).optional(),
  h: z.boolean().optional(),
});
export type ModalMetadata = z.infer<typeof metadataSchema>;

/** private_metadata is at most 3000 characters; a response_url that would not fit is dropped. */
export function encodeMetadata(metadata: ModalMetadata): string {
  const text = JSON.stringify(metadata);
  return text.length <= 3000 ? text : JSON.stringify({ ...metadata, r: undefined });
}

export function decodeMetadata(text: string | undefined): ModalMetadata {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(text ?? '{}'));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
