import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, hashAuditEvent, verifyChain } from '../../src/core/audit/hash-chain.js';
import type { AuditEvent } from '../../src/core/types.js';

function chain(n: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const input = {
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
      actor: 'alice@example.com',
      action: 'request.submitted',
      requestId: null,
      details: { seq, nested: { b: 1, a: [2, 1] } },
    };
    const hash = hashAuditEvent(prev, seq, input);
    events.push({ ...input, seq, prevHash: prev, hash });
    prev = hash;
  }
  return events;
}

describe('audit hash chain', () => {
  it('canonicalises key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it('verifies an intact chain', () => {
    expect(verifyChain(chain(5), GENESIS_HASH, 1)).toMatchObject({ ok: true, checked: 5 });
  });

  it('names the first altered event', () => {
    const events = chain(5);
    events[2] = { ...events[2]!, details: { seq: 3, tampered: true } };
    expect(verifyChain(events, GENESIS_HASH, 1)).toMatchObject({ ok: false, brokenSeq: 3 });
  });

  it('detects a deleted event', () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(verifyChain(events, GENESIS_HASH, 1)).toMatchObject({ ok: false, brokenSeq: 3 });
  });
});
