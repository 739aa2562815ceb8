import { describeError } from '../core/lifecycle/provider-input.js';
import { ChannelNotConfiguredError, type ChatPort, type PlatformChat } from '../core/ports/chat.js';
import { callChat, forwardChatPort } from '../core/ports/forward-chat.js';
import type { Logger } from '../core/ports/runtime.js';

/**
 * Sends every chat event to each enabled platform (Slack, Teams, console). One platform failing
 * does not stop the others; the call fails only when no platform delivered. With more than one
 * platform each failure is logged here by platform ("chat delivery failed"), because a caller sees at
 * most one error and none at all when another platform delivered. A platform the policy names no
 * channel for (ChannelNotConfiguredError) did not fail: that is logged once per platform and setting,
 * at info (`keycard start` and `policy check` already warn about it).
 */
export function createChatFanout(platforms: readonly PlatformChat[], log: Logger): ChatPort {
  const told = new Set<string>();
  return forwardChatPort(async (method, args) => {
    if (platforms.length === 0) return;
    const results = await Promise.allSettled(platforms.map(({ chat }) => callChat(chat, method, args)));
    let delivered = 0;
    const failures: unknown[] = [];
    const nowhere: ChannelNotConfiguredError[] = [];
    for (const [i, result] of results.entries()) {
      const { platform } = platforms[i]!;
      if (result.status === 'fulfilled') {
        delivered += 1;
      } else if (result.reason instanceof ChannelNotConfiguredError) {
        nowhere.push(result.reason);
        const key = `${platform}:${result.reason.setting}`;
        if (platforms.length > 1 && !told.has(key)) {
          told.add(key);
          log.info({ platform, what: method, setting: result.reason.setting }, 'no channel on this platform; not posted there');
        }
      } else {
        failures.push(result.reason);
        if (platforms.length > 1) log.warn({ platform, what: method, err: describeError(result.reason) }, 'chat delivery failed');
      }
    }
    // Nothing delivered: the caller learns why, a real failure before "nowhere configured".
    if (delivered === 0) throw failures[0] ?? nowhere[0];
  });
}
