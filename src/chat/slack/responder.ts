import type { Logger } from '../../core/ports/runtime.js';
import type { SlackMessage } from './render/block-kit.js';
import { fallbackText } from './render/block-kit.js';

/** Hosts Slack issues response_urls on (commercial and GovSlack); nothing else is ever posted to. */
const RESPONSE_HOSTS = /(^|\.)slack\.com$|(^|\.)slack-gov\.com$/;

export function isSlackResponseUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
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
  fetchFn: typeof fetch,
  log: Logger,
  url: string,
  message: SlackMessage,
  mode: ResponseMode = 'ephemeral',
): Promise<void> {
  if (!isSlackResponseUrl(url)) {
    log.warn('ignored a response_url that is not on a Slack host');
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
