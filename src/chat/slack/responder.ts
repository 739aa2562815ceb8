import type { Logger } from '../../core/ports/runtime.js';
import type { SlackMessage } from './render/block-kit.js';
import { fallbackText } from './render/block-kit.js';

/** Hosts Slack issues response_urls on (commercial and GovSlack); nothing else is ever posted to. */
const RESPONSE_HOSTS = /(^|\.)slack\.com$|(^|\.)slack-gov\.com$/;

/**
 * True for a response_url Keycard may post to: https on Slack's hosts, or, when the operator pointed
 * the Web API elsewhere (SLACK_API_URL: a Slack-compatible gateway or a test server), that same origin.
 * Nothing else: the URL arrives in a request body, and posting anywhere would make Keycard an open relay.
 */
export function isSlackResponseUrl(url: string, apiUrl?: string): boolean {
  try {
    const parsed = new URL(url);
    if (apiUrl !== undefined && parsed.origin === new URL(apiUrl).origin) return true;
    return parsed.protocol === 'https:' && RESPONSE_HOSTS.test(parsed.hostname);
  } catch {
    return false;
  }
}

export type ResponseMode = 'ephemeral' | 'replace';

/**
 * Posts to a response_url (valid 30 minutes, 5 uses): ephemeral to the person who acted, or replacing
 * the message their button was on. Failures are logged, not thrown: the action itself already happened.
 */
export async function respondTo(
  target: { fetch: typeof fetch; log: Logger; apiUrl?: string | undefined },
  url: string,
  message: SlackMessage,
  mode: ResponseMode = 'ephemeral',
): Promise<void> {
  const { fetch: fetchFn, log } = target;
  if (!isSlackResponseUrl(url, target.apiUrl)) {
    log.warn("ignored a response_url that is not on a Slack host (nor on SLACK_API_URL's origin)");
    return;
  }
  const body = {
    response_type: 'ephemeral',
    replace_original: mode === 'replace',
    text: fallbackText(message.text),
    blocks: message.blocks,
  };
  try {
    const response = await fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) log.warn({ status: response.status }, 'Slack refused a response_url message');
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not post to a response_url');
  }
}
