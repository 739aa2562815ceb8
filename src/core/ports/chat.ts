import type { ChannelRef, Severity } from '../policy/schema.js';
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
 * The chat port. Every method must swallow nothing and throw only on delivery failure;
 * core catches and logs delivery failures so chat never blocks the lifecycle.
 */
export interface ChatPort {
  /** Posts the approval card to the tier's channel the first time, and updates it in place after. */
  publishCard(request: RequestView, channel: ChannelRef | undefined): Promise<void>;
  /** A lifecycle event as a reply in the card's thread. */
  postThread(request: RequestView, text: string): Promise<void>;
  sendDirect(to: string, message: DirectMessage): Promise<void>;
  postAlert(channel: ChannelRef | undefined, alert: ChannelAlert): Promise<void>;
  /** Optional: an anomaly DM with Revoke now / Acknowledge / Extend. Without it core sends a plain DM. */
  sendAnomaly?(to: string, alert: AnomalyAlert): Promise<void>;
  /** Optional: a lifecycle event in the incident's one thread (opened on first use, reused after). */
  postIncident?(incident: IncidentRef, request: RequestView, text: string): Promise<void>;
}
