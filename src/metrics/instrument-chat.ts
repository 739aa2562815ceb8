import { ChannelNotConfiguredError, type ChatPort, type ChatPortMethod } from '../core/ports/chat.js';
import { decorateChatPort } from '../core/ports/forward-chat.js';
import type { Platform } from '../core/types.js';

/** Receives one observation per failed chat delivery. */
export type ChatFailureObserver = (failure: { platform: Platform; operation: ChatPortMethod; error: unknown }) => void;

/**
 * Wraps one platform's chat port (before the fan-out, so failures are attributed to their platform) and
 * reports each delivery that throws. Every member of the port is forwarded (decorateChatPort). The error
 * is rethrown unchanged: the core decides what a failed delivery means. A message the policy names no
 * channel for on this platform (ChannelNotConfiguredError) was never attempted, so it is not a failure
 * here. Only deliveries through the port are seen; replies a listener sends on its own (ephemeral
 * answers, modals) are not.
 */
export function instrumentChat(inner: ChatPort, platform: Platform, onFailure: ChatFailureObserver): ChatPort {
  return decorateChatPort(inner, async (operation, call) => {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof ChannelNotConfiguredError)) onFailure({ platform, operation, error });
      throw error;
    }
  });
}
