import { z } from 'zod';
import { fallbackText, type SlackMessage } from './render/block-kit.js';
import type { WebClient } from './web-clients.js';

const postedSchema = z.object({ channel: z.string(), ts: z.string() });
const permalinkSchema = z.object({ permalink: z.string() });

export type PostMessage = (channel: string, message: SlackMessage, threadTs?: string) => Promise<{ channel: string; ts: string }>;

/** chat.postMessage without unfurls (cards and alerts must not expand links), optionally as a thread reply. */
export function createPoster(client: WebClient): PostMessage {
  return async (channel, message, threadTs) =>
    postedSchema.parse(
      await client.chat.postMessage({
        channel,
        text: fallbackText(message.text),
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
}

/** A message's permalink (chat.getPermalink needs no extra scope); undefined when Slack will not say. */
export async function permalinkOf(client: WebClient, channel: string, ts: string): Promise<string | undefined> {
  try {
    return permalinkSchema.parse(await client.chat.getPermalink({ channel, message_ts: ts })).permalink;
  } catch {
    return undefined;
  }
}
