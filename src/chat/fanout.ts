import type { ChatPort } from '../core/ports/chat.js';
import { callChat, forwardChatPort } from '../core/ports/forward-chat.js';

/**
 * Sends every chat event to each enabled platform (Slack, Teams, console). One platform failing
 * does not stop the others; the call fails only when every platform failed.
 */
export function createChatFanout(ports: ChatPort[]): ChatPort {
  return forwardChatPort(async (method, args) => {
    if (ports.length === 0) return;
    const results = await Promise.allSettled(ports.map((port) => callChat(port, method, args)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length === ports.length) throw failures[0]!.reason;
  });
}
