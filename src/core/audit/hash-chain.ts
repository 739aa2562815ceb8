import { createHash, createHmac } from 'node:crypto';
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

/** A secret that keys the chain, with the id stored beside each event so keys can rotate. */
export interface AuditKey {
  id: string;
  secret: string;
}

/** Finds a key by the id an event was written with (the current key and any retired ones). */
export type AuditKeyLookup = (id: string) => AuditKey | undefined;

/**
 * hash = HMAC-SHA256(key, prevHash || canonical JSON) when keyed, else SHA-256 of the same bytes.
 * Without the key nobody can recompute a keyed chain, even with write access to the table.
 */
export function hashAuditEvent(prevHash: string, seq: number, event: AuditInput, key?: AuditKey): string {
  const body = canonicalJson({
    seq,
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    requestId: event.requestId,
    details: event.details,
  });
  const digest = key ? createHmac('sha256', key.secret) : createHash('sha256');
  return digest.update(prevHash).update(body).digest('hex');
}

export type ChainCheck =
  | { ok: true; checked: number; lastHash: string }
  | { ok: false; checked: number; brokenSeq: number; problem: string };

/**
 * Checks a run of events in seq order, continuing from `prevHash` (the genesis hash for a full check).
 * Keyed events need their key from `keys`; an unkeyed event after a keyed one is a rewrite, since
 * Keycard never goes back to the unkeyed chain once it has a key.
 */
export function verifyChain(
  events: Iterable<AuditEvent>,
  prevHash = GENESIS_HASH,
  expectSeq?: number,
  keys: AuditKeyLookup = () => undefined,
  state: { keyed: boolean } = { keyed: false },
): ChainCheck {
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
    let key: AuditKey | undefined;
    if (event.keyId) {
      key = keys(event.keyId);
      if (!key) return { ok: false, checked, brokenSeq: event.seq, problem: `keyed with "${event.keyId}", a key this check was not given` };
      state.keyed = true;
    } else if (state.keyed) {
      return { ok: false, checked, brokenSeq: event.seq, problem: 'unkeyed after keyed events (rewritten without the key)' };
    }
    const expected = hashAuditEvent(previous, event.seq, event, key);
    if (expected !== event.hash) {
      return { ok: false, checked, brokenSeq: event.seq, problem: 'content does not match its hash (the event was altered)' };
    }
    previous = event.hash;
    nextSeq = event.seq + 1;
    checked += 1;
  }
  return { ok: true, checked, lastHash: previous };
}

/**
 * The writer's MAC of an event not chained yet: HMAC-SHA256(key, "keycard-audit-row:v1:" || canonical JSON of
 * its content). The sequencer chains (and so keys) only rows whose MAC checks, so a row inserted with write
 * access to the table but without the key is never made part of the keyed chain.
 */
export function macAuditRow(event: AuditInput, key: AuditKey): string {
  const body = canonicalJson({
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    requestId: event.requestId,
    details: event.details,
  });
  return createHmac('sha256', key.secret).update('keycard-audit-row:v1:').update(body).digest('hex');
}
