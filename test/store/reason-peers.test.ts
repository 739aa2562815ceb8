import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseReason } from '../../src/core/risk/habits.js';
import { createReasonPeers, REASON_PEERS_CAP, REASON_PEERS_SCAN } from '../../src/core/risk/reason-peers.js';
import type { NewAccessRequest, ReasonPeersQuery } from '../../src/core/types.js';
import { reasonPeersQuery } from '../../src/store/reason-peers.js';
import { createTestStore, storeKinds, type TestStore } from '../helpers/db.js';
import { at, DAY, insert, MINUTE } from './fixtures.js';

const NOW = at(0);
const ME = 'me@example.com';
const WINDOW = 30 * DAY;
const TEXT = 'Verifying data consistency after the latest deployment';

// Who gave which reason when; the comment says whether the row counts as a peer of ME for TEXT.
const ROWS: Partial<NewAccessRequest>[] = [
  { requester: 'ann@example.com', reason: TEXT, createdAt: at(-2 * DAY) }, // peer
  { requester: 'ann@example.com', reason: TEXT, createdAt: at(-3 * DAY) }, // the same peer again
  { requester: 'bob@example.com', reason: 'verifying data-consistency, after the LATEST deployment!', createdAt: at(-DAY) }, // peer: same words
  { requester: 'cy@example.com', reason: TEXT, createdAt: at(-40 * DAY) }, // outside the window
  { requester: 'dee@example.com', reason: TEXT, createdAt: at(MINUTE) }, // after now
  { requester: 'eve@example.com', reason: TEXT, kind: 'extension', createdAt: at(-DAY) }, // an extension, not an access request
  { requester: 'fay@example.com', reason: 'verifying data consistency after the deployment', createdAt: at(-DAY) }, // other words
  { requester: ME, reason: TEXT, createdAt: at(-DAY) }, // the requester themself
  { requester: 'gus@example.com', reason: '…', createdAt: at(-DAY) }, // no letters or digits: nobody's peer
  { requester: 'hal@example.com', reason: '!!', createdAt: at(-DAY) }, // the same
];

// A sentence 60 people gave: the count stops at REASON_PEERS_CAP.
const TEMPLATE = 'routine operational check as part of my normal duties';
const CROWD: Partial<NewAccessRequest>[] = Array.from({ length: 60 }, (_, i) => ({
  requester: `crowd${i}@example.com`,
  reason: TEMPLATE,
  createdAt: at(-(i + 1) * 60 * MINUTE),
}));

// A sentence one person gave 210 times in the last days, and two others before that: only the latest
// REASON_PEERS_SCAN uses are read, so the two older ones are not seen.
const CHATTY = 'nightly export check for the data warehouse';
const REPEATS: Partial<NewAccessRequest>[] = [
  ...Array.from({ length: 210 }, (_, i) => ({ requester: 'bot@example.com', reason: CHATTY, createdAt: at(-(i + 1) * MINUTE) })),
  { requester: 'old1@example.com', reason: CHATTY, createdAt: at(-5 * DAY) },
  { requester: 'old2@example.com', reason: CHATTY, createdAt: at(-6 * DAY) },
];

const query = (reason: string, requester = ME): ReasonPeersQuery => ({ reason, requester, now: NOW, windowMs: WINDOW });

describe.each(storeKinds())('reason peers on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind);
    await t.store.transaction(async (tx) => {
      for (const row of [...ROWS, ...CROWD, ...REPEATS]) await insert(tx, row);
    });
  });
  afterAll(() => t.close());

  it('counts other people who gave the same words in the window, each once', async () => {
    expect(await t.store.reasonPeers(query(TEXT))).toBe(2);
    expect(await t.store.reasonPeers(query('  VERIFYING data consistency after the latest deployment.'))).toBe(2);
    expect(await t.store.reasonPeers(query(TEXT, 'ann@example.com'))).toBe(2); // bob and me
  });

  it('stops counting at REASON_PEERS_CAP, and reads only the latest REASON_PEERS_SCAN uses by others', async () => {
    expect(await t.store.reasonPeers(query(TEMPLATE))).toBe(REASON_PEERS_CAP);
    expect(REASON_PEERS_SCAN).toBeLessThan(210);
    expect(await t.store.reasonPeers(query(CHATTY))).toBe(1);
    // The requester's own uses are not read: for the bot, the two older people are within reach.
    expect(await t.store.reasonPeers(query(CHATTY, 'bot@example.com'))).toBe(2);
  });

  it('finds nobody for a reason nobody else gave', async () => {
    expect(await t.store.reasonPeers(query('a sentence nobody wrote'))).toBe(0);
    expect(await t.store.reasonPeers(query('!!!'))).toBe(0);
  });

  it('answers what the audit replay computes from the same rows', async () => {
    const peers = createReasonPeers();
    for (const row of [...ROWS, ...CROWD, ...REPEATS])
      if ((row.kind ?? 'access') === 'access') peers.add(normaliseReason(row.reason!), row.requester!, row.createdAt!.getTime());
    for (const [reason, requester] of [
      [TEXT, ME],
      [TEXT, 'ann@example.com'],
      [TEXT, 'cy@example.com'],
      ['verifying data consistency after the deployment', ME],
      [TEMPLATE, ME],
      [CHATTY, ME],
      [CHATTY, 'bot@example.com'],
    ] as const) {
      const replayed = peers.count(normaliseReason(reason), requester, NOW.getTime() - WINDOW, NOW.getTime());
      expect(await t.store.reasonPeers(query(reason, requester))).toBe(replayed);
    }
  });

  it.runIf(kind === 'pg')(
    'counts from the reason-words index alone, newest first within the window, reading a bounded number of entries',
    async () => {
      if (t.handle.driver !== 'pg') return;
      const client = await t.handle.pool.connect();
      try {
        await client.query('begin');
        // Few rows: without this the planner rightly prefers a scan, which says nothing about the index.
        await client.query('set local enable_seqscan = off');
        // The store's own statement, as it sends it.
        const statement = new PgDialect().sqlToQuery(reasonPeersQuery(query(TEXT)));
        const plan = await client.query(`explain ${statement.sql}`, statement.params);
        await client.query('rollback');
        const text = JSON.stringify(plan.rows);
        // Newest first, from the index alone, stopping after REASON_PEERS_SCAN entries.
        expect(text).toMatch(/Index Only Scan Backward using access_requests_reason_words_idx/);
        expect(text).toMatch(/Limit/);
        // The window bounds the scan (an index condition on created_at), not a filter after reading every use.
        expect(text).toMatch(/Index Cond: \(\(reason_words = [^"]*created_at >= /);
      } finally {
        client.release();
      }
    },
  );
});
