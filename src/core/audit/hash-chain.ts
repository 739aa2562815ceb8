import { createHash } from 'node:crypto';
import type { AuditEvent, AuditInput } from '../types.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** hash = SHA-256(prevHash || canonical JSON of the event's content). */
export function hashAuditEvent(prevHash: string, seq: number, event: AuditInput): string {
  const body = canonicalJson({
    seq,
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    requestId: event.requestId,
    details: event.details,
  });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

export type ChainCheck =
  | { ok: true; checked: number; lastHash: string }
  | { ok: false; checked: number; brokenSeq: number; problem: string };

/** Checks a run of events in seq order, continuing from `prevHash` (the genesis hash for a full check). */
export function verifyChain(events: Iterable<AuditEvent>, prevHash = GENESIS_HASH, expectSeq?: number): ChainCheck {
  let checked = 0;
  let previous = prevHash;
  let nextSeq = expectSeq;
  for (const event of events) {
    if (nextSeq !== undefined && event.seq !== nextSeq) {
      return {
        ok: false,
        checked,
        brokenSeq: event.seq,
        problem: `expected event #${nextSeq} next, found #${event.seq} (an event was deleted)`,
      };
    }
    if (event.prevHash !== previous) {
      return { ok: false, checked, brokenSeq: event.seq, problem: 'prev_hash does not match the hash of the event before it' };
    }
    const expected = hashAuditEvent(previous, event.seq, event);
    if (expected !== event.hash) {
      return { ok: false, checked, brokenSeq: event.seq, problem: 'content does not match its hash (the event was altered)' };
    }
    previous = event.hash;
    nextSeq = event.seq + 1;
    checked += 1;
  }
  return { ok: true, checked, lastHash: previous };
}
