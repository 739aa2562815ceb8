import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoreDeps } from '../core/lifecycle/deps.js';
import type { ChatPort } from '../core/ports/chat.js';
import type { IncidentResponderSource } from '../core/ports/incident-responders.js';
import type { Platform } from '../core/types.js';

/** One HTTP route a chat adapter serves on Keycard's single server. */
export interface ChatRoute {
  /** Path prefix, e.g. `/slack/events` or `/api/messages`. */
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/**
 * What main.ts needs from a chat platform adapter (Slack, Teams). `chat` exists before the core is
 * built (the core's notifier is wired to it); `start` receives the built core and begins serving.
 */
export interface ChatAdapter {
  readonly platform: Platform;
  readonly chat: ChatPort;
  /** Who responds to an incident, as this platform can tell (its incident channel's members), or unknown. */
  readonly incidentResponders: IncidentResponderSource;
  /** Routes to mount on the HTTP server (none in Socket Mode). */
  routes(): ChatRoute[];
  start(deps: CoreDeps): Promise<void>;
  /** Connected and able to serve (for /readyz). */
  ready(): Promise<boolean>;
  stop(): Promise<void>;
}
