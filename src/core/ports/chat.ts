import type { ChannelRef, Severity } from '../policy/schema.js';
import { KeycardError } from '../result.js';
import type { Platform } from '../types.js';
import type { RequestView } from '../views/request-view.js';
import type { Credential } from './provider.js';

/** Direct messages to one person (by email). */
export type DirectMessage =
  | { kind: 'credential'; request: RequestView; credential: Credential }
  | { kind: 'expiry_notice'; request: RequestView; remainingMs: number; extendBy: number }
  | { kind: 'denied'; request: RequestView }
  | { kind: 'failed'; request: RequestView }
  | { kind: 'timed_out'; request: RequestView }
  | { kind: 'ended'; request: RequestView }
  | { kind: 'approval_reminder'; request: RequestView }
  | { kind: 'break_glass_review'; request: RequestView }
  /** A revoke that keeps failing, escalated to someone who may retry it: with a Retry now button. */
  | { kind: 'revoke_failed'; request: RequestView; text: string }
  | { kind: 'info'; request?: RequestView; text: string };

/** Messages to a channel that are not the approval card (break-glass broadcasts, revoke failures). */
export interface ChannelAlert {
  kind: 'break_glass' | 'revoke_failed' | 'info';
  text: string;
  request?: RequestView;
  /** Offer a Retry button (revoke failures). */
  retry?: boolean;
}

/** An anomaly during a grant, sent to the requester and the approvers with one-click responses. */
export interface AnomalyAlert {
  request: RequestView;
  detector: string;
  severity: Severity;
  summary: string;
  at: Date;
  /** Keycard already revoked the grant (the policy auto-revokes this severity). */
  autoRevoked: boolean;
  /** What Extend adds (the same suggestion the expiry notice makes). */
  extendBy: number;
  /** Buttons this recipient gets: Revoke now only for approvers and security. */
  actions: Array<'revoke' | 'acknowledge' | 'extend'>;
}

/** The incident a request is linked to; the adapter finds or opens the one thread for it. */
export interface IncidentRef {
  key: string;
  /** Where the request was made, when that was the incident channel itself. */
  platform?: Platform;
  channel?: string;
  channelName?: string;
}

/**
 * The chat port. Every method must swallow nothing and throw only on delivery failure, or with
 * ChannelNotConfiguredError when the policy names no channel on this platform for the message;
 * core catches and logs delivery failures so chat never blocks the lifecycle.
 */
export interface ChatPort {
  /** Posts the approval card to the tier's channel the first time, and updates it in place after. */
  publishCard(request: RequestView, channel: ChannelRef | undefined): Promise<void>;
  /** A lifecycle event as a reply in the card's thread. */
  postThread(request: RequestView, text: string): Promise<void>;
  sendDirect(to: string, message: DirectMessage): Promise<void>;
  postAlert(channel: ChannelRef | undefined, alert: ChannelAlert): Promise<void>;
  /**
   * An anomaly DM with the recipient's buttons (Revoke now / Acknowledge / Extend). A platform without
   * interactive messages implements it explicitly with `anomalyAsDirectMessage` (plain text, no buttons).
   */
  sendAnomaly(to: string, alert: AnomalyAlert): Promise<void>;
  /** A lifecycle event in the incident's one thread (opened on first use, reused after). */
  postIncident(incident: IncidentRef, request: RequestView, text: string): Promise<void>;
}

/**
 * Every member of the chat port, checked by the compiler in both directions (a member added to the port
 * and missing here, or listed here and gone from the port, fails to compile). Decorators and the fan-out
 * iterate this list, so they forward every capability and can never drop one in silence.
 */
export const CHAT_PORT_METHODS = {
  publishCard: true,
  postThread: true,
  sendDirect: true,
  postAlert: true,
  sendAnomaly: true,
  postIncident: true,
} as const satisfies { readonly [K in keyof ChatPort]-?: true };

export type ChatPortMethod = keyof typeof CHAT_PORT_METHODS;

/**
 * The policy names no channel on this platform for a message (its ChannelRef has no entry for the platform):
 * the operator's choice, not a delivery failure. An adapter throws it rather than skipping in silence, so a
 * caller that posts per platform records "not delivered", and the fan-out counts it as neither delivered nor failed.
 */
export class ChannelNotConfiguredError extends KeycardError {
  constructor(
    readonly platform: Platform,
    /** The policy setting that would name the channel, e.g. `alerts.channel.slack`. */
    readonly setting: string,
    /** What has no channel, e.g. `alerts channel`, `approval channel for the high tier`. */
    what: string,
  ) {
    super('chat_channel_not_configured', `no ${what} on ${platform}: set ${setting} in the policy`);
    this.name = 'ChannelNotConfiguredError';
  }
}

/** One enabled chat platform's port, named, for the fan-out and for deliveries tracked per platform. */
export interface PlatformChat {
  platform: Platform;
  chat: ChatPort;
}

/** The explicit fallback for a platform that cannot put buttons on a DM: the anomaly as plain text. */
export function anomalyAsDirectMessage(alert: AnomalyAlert): DirectMessage {
  const revoked = alert.autoRevoked ? ' · Keycard revoked the grant automatically' : '';
  return {
    kind: 'info',
    request: alert.request,
    text: `${alert.severity.toUpperCase()} on ${alert.request.ref}: ${alert.summary}${revoked}`,
  };
}
