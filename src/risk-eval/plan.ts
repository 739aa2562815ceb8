import type { Level } from './organisation.js';

/** Misuse patterns of the threat model (docs/risk-evaluation.md describes each). */
export const PATTERNS = [
  'compromised-account',
  'slow-escalation',
  'incident-riding',
  'pasted-generic-reason',
  'departing-bulk-reads',
  'approver-collusion',
] as const;
export type Pattern = (typeof PATTERNS)[number];

/** One request somebody in the organisation makes (before Keycard or anyone decides on it). */
export interface PlannedAccess {
  at: number;
  requester: string;
  resource: string;
  level: Level;
  minutes: number;
  reason: string;
  incidentKey: string | null;
  misuse: { pattern: Pattern; campaign: string } | null;
  /** For approver collusion: the accomplice who approves at once. */
  accomplice?: string;
}

/** An incident as the incident tool records it: its channel members and pages are the responders. */
export interface IncidentRecord {
  key: string;
  team: string;
  start: number;
  end: number;
  responders: string[];
}
