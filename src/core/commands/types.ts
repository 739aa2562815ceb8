/** A parsed chat or console command; the same grammar serves Slack's /access, Teams and the console. */
export type Command =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'status'; number: number }
  | { kind: 'release'; number: number; reason: string }
  | { kind: 'revoke'; number: number; reason: string }
  | { kind: 'cancel'; number: number }
  | { kind: 'extend'; number: number; durationMs: number; reason: string }
  | { kind: 'approve'; number: number; comment: string }
  | { kind: 'deny'; number: number; reason: string }
  | { kind: 'review'; number: number; comment: string }
  | { kind: 'retry'; number: number }
  | {
      kind: 'request';
      resource: string;
      durationMs?: number;
      /** The duration as typed (`99h`), so a refusal can quote it rather than its normal form (`4d3h`). */
      durationText?: string;
      level?: string;
      reason: string;
      breakGlass: boolean;
      incidentKey?: string;
    };

export type ParseResult = { ok: true; command: Command } | { ok: false; message: string; usage: string };

/** What the parser needs to know about the policy's resources. */
export interface Catalog {
  resources: Record<string, { levels: string[] }>;
  /** The policy's incidents.keyPattern: what --incident KEY must match. */
  incidentKeyPattern: string;
}
