import { describeError } from '../core/lifecycle/provider-input.js';
import type { ChatPort, PlatformChat } from '../core/ports/chat.js';
import { callChat, forwardChatPort } from '../core/ports/forward-chat.js';
import type { Logger } from '../core/ports/runtime.js';

/**
 * Sends every chat event to each enabled platform (Slack, Teams, console). One platform failing
 * does not stop the others; the call fails only when every platform failed. With more than one
 * platform each failure is logged here by platform ("chat delivery failed"), because a caller sees at
 * most one error and none at all when another platform delivered.
 */
export function createChatFanout(platforms: readonly PlatformChat[], log: Logger): ChatPort {
  return forwardChatPort(async (method, args) => {
    if (platforms.length === 0) return;
    const results = await Promise.allSettled(platforms.map(({ chat }) => callChat(chat, method, args)));
    let failed = 0;
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') continue;
      failed += 1;
      if (platforms.length > 1)
        log.warn({ platform: platforms[i]!.platform, what: method, err: describeError(result.reason) }, 'chat delivery failed');
    }
    if (failed === platforms.length) throw (results[0] as PromiseRejectedResult).reason;
  });
}
