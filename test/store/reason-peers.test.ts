import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseReason } from '../../src/core/risk/habits.js';
import { createReasonPeers, REASON_PEERS_CAP } from '../../src/core/risk/reason-peers.js';
import type { NewAccessRequest, ReasonPeersQuery } from '../../src/core/types.js';
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
];

// A sentence 60 people gave: the count stops at REASON_PEERS_CAP.
const TEMPLATE = 'routine operational check as part of my normal duties';
const CROWD: Partial<NewAccessRequest>[] = Array.from({ length: 60 }, (_, i) => ({
  requester: `crowd${i}@example.com`,
  reason: TEMPLATE,
  createdAt: at(-(i + 1) * 60 * MINUTE),
}));

const query = (reason: string, requester = ME): ReasonPeersQuery => ({ reason, requester, now: NOW, windowMs: WINDOW });

describe.each(storeKinds())('reason peers on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(kind);
    await t.store.transaction(async (tx) => {
      for (const row of [...ROWS, ...CROWD]) await insert(tx, row);
    });
  });
  afterAll(() => t.close());

  it('counts other people who gave the same words in the window, each once', async () => {
    expect(await t.store.reasonPeers(query(TEXT))).toBe(2);
    expect(await t.store.reasonPeers(query('  VERIFYING data consistency after the latest deployment.'))).toBe(2);
    expect(await t.store.reasonPeers(query(TEXT, 'ann@example.com'))).toBe(2); // bob and me
  });

  it('stops counting at REASON_PEERS_CAP', async () => {
    expect(await t.store.reasonPeers(query(TEMPLATE))).toBe(REASON_PEERS_CAP);
  });

  it('finds nobody for a reason nobody else gave', async () => {
    expect(await t.store.reasonPeers(query('a sentence nobody wrote'))).toBe(0);
    expect(await t.store.reasonPeers(query('!!!'))).toBe(0);
  });

  it('answers what the audit replay computes from the same rows', async () => {
    const peers = createReasonPeers();
    for (const row of [...ROWS, ...CROWD])
      if ((row.kind ?? 'access') === 'access') peers.add(normaliseReason(row.reason!), row.requester!, row.createdAt!.getTime());
    for (const [reason, requester] of [
      [TEXT, ME],
      [TEXT, 'ann@example.com'],
      [TEXT, 'cy@example.com'],
      ['verifying data consistency after the deployment', ME],
      [TEMPLATE, ME],
    ] as const) {
      const replayed = peers.count(normaliseReason(reason), requester, NOW.getTime() - WINDOW, NOW.getTime());
      expect(await t.store.reasonPeers(query(reason, requester))).toBe(replayed);
    }
  });

  it.runIf(kind === 'pg')('counts from the reason-words index alone', async () => {
    if (t.handle.driver !== 'pg') return;
    const client = await t.handle.pool.connect();
    try {
      await client.query('begin');
      // Few rows: without this the planner rightly prefers a scan, which says nothing about the index.
      await client.query('set local enable_seqscan = off');
      const plan = await client.query(
        `explain select count(*) from (select distinct r.requester from access_requests r
         where r.kind = 'access' and r.reason_words = btrim(regexp_replace(lower($1::text), '[^a-z0-9]+', ' ', 'g'))
           and r.created_at >= $2::timestamptz and r.created_at < $3::timestamptz and r.requester <> $4 limit 50) p`,
        [TEXT, at(-WINDOW).toISOString(), NOW.toISOString(), ME],
      );
      await client.query('rollback');
      expect(JSON.stringify(plan.rows)).toContain('Index Only Scan using access_requests_reason_words_idx');
    } finally {
      client.release();
    }
  });
});
