import { CHAT_PORT_METHODS, type ChatPort, type ChatPortMethod } from './chat.js';

type AnyMethod = (...args: unknown[]) => Promise<void>;

/** Surrounds one forwarded call; `call` performs it on the wrapped port(s). */
export type ChatCallWrapper = (method: ChatPortMethod, call: () => Promise<void>) => Promise<void>;

/**
 * Builds a chat port whose every member (CHAT_PORT_METHODS, which the compiler keeps equal to the port)
 * runs `invoke`. Decorators and the fan-out are built on it, so a capability added to the port is
 * forwarded everywhere without anyone remembering to add it.
 */
export function forwardChatPort(invoke: (method: ChatPortMethod, args: unknown[]) => Promise<void>): ChatPort {
  const port: Partial<Record<ChatPortMethod, AnyMethod>> = {};
  for (const method of Object.keys(CHAT_PORT_METHODS) as ChatPortMethod[]) {
    port[method] = (...args: unknown[]) => invoke(method, args);
  }
  return port as unknown as ChatPort;
}

/** Calls `method` on `port` with `args`, keeping `this`. */
export function callChat(port: ChatPort, method: ChatPortMethod, args: unknown[]): Promise<void> {
  return (port[method] as unknown as AnyMethod).apply(port, args);
}

/** Wraps every member of `inner` in `around` (metrics, logging, retries). */
export function decorateChatPort(inner: ChatPort, around: ChatCallWrapper): ChatPort {
  return forwardChatPort((method, args) => around(method, () => callChat(inner, method, args)));
}

/** A chat port that delivers nowhere, for one-shot commands that run use cases without a chat platform. */
export function createSilentChat(): ChatPort {
  return forwardChatPort(async () => {});
}
