import type pg from 'pg';

/** What a node-postgres pool sent: every `client.query` is one round trip (pg does not pipeline). */
export interface RoundTripCounter {
  readonly queries: number;
  readonly transactions: number;
  /** Of `queries` and `transactions`: the audit sequencer's (the transactions that take the chain's lock). */
  readonly sequencer: { readonly queries: number; readonly transactions: number };
  /** Statements by their first 80 characters, for finding the repeated ones. */
  readonly statements: ReadonlyMap<string, number>;
  reset(): void;
}

type Query = pg.PoolClient['query'];

/**
 * Counts the round trips of every client the pool hands out, by wrapping each client's `query` the first
 * time it is acquired (pool.query acquires one too). A measurement for benchmarks, not something Keycard runs.
 */
export function countRoundTrips(pool: pg.Pool): RoundTripCounter {
  let queries = 0;
  let transactions = 0;
  const sequencer = { queries: 0, transactions: 0 };
  const statements = new Map<string, number>();
  const wrapped = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const original: Query = client.query.bind(client);
    // A transaction's statements are counted as the sequencer's once it takes the chain's lock. The lock goes
    // either in one message with its BEGIN, or right after a BEGIN of its own, which is then moved over too.
    let inSequencer = false;
    let lastWasBegin = false;
    const counting = (...args: Parameters<Query>) => {
      const first = args[0] as unknown;
      const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
      queries += 1;
      const begins = /^\s*begin\b/i.test(text);
      if (begins) transactions += 1;
      if (/^\s*(begin;\s*)?select pg_advisory_xact_lock/i.test(text)) {
        inSequencer = true;
        sequencer.transactions += 1;
        if (lastWasBegin) sequencer.queries += 1;
      }
      lastWasBegin = begins && !text.includes(';');
      if (inSequencer) sequencer.queries += 1;
      if (/^\s*(commit|rollback)\b/i.test(text)) inSequencer = false;
      // Numbers inlined in a statement (a locked request's number) would otherwise make each one its own entry.
      const key = text
        .replace(/\s+/g, ' ')
        .replace(/\b\d+\b/g, 'N')
        .slice(0, 80);
      statements.set(key, (statements.get(key) ?? 0) + 1);
      return (original as (...a: unknown[]) => unknown)(...args);
    };
    client.query = counting as Query;
  });
  return {
    get queries() {
      return queries;
    },
    get transactions() {
      return transactions;
    },
    sequencer,
    statements,
    reset() {
      queries = 0;
      transactions = 0;
      sequencer.queries = 0;
      sequencer.transactions = 0;
      statements.clear();
    },
  };
}
