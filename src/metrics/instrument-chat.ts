import type { ChatPort } from '../core/ports/chat.js';
import type { Platform } from '../core/types.js';

/** Receives one observation per failed chat delivery. */
export type ChatFailureObserver = (failure: { platform: Platform; operation: keyof ChatPort; error: unknown }) => void;

/**
 * Wraps one platform's chat port (before the fan-out, so failures are attributed to their platform) and
 * reports each delivery that throws. The error is rethrown unchanged: the core decides what a failed
 * delivery means. Only deliveries through the port are seen; replies a listener sends on its own
 * (ephemeral answers, modals) are not.
 */
export function instrumentChat(inner: ChatPort, platform: Platform, onFailure: ChatFailureObserver): ChatPort {
  const watch = async (operation: keyof ChatPort, send: () => Promise<void>): Promise<void> => {
    try {
      await send();
    } catch (error) {
      onFailure({ platform, operation, error });
      throw error;
    }
  };
  return {
    publishCard: (view, channel) => watch('publishCard', () => inner.publishCard(view, channel)),
    postThread: (view, text) => watch('postThread', () => inner.postThread(view, text)),
    sendDirect: (to, message) => watch('sendDirect', () => inner.sendDirect(to, message)),
    postAlert: (channel, alert) => watch('postAlert', () => inner.postAlert(channel, alert)),
  };
}
