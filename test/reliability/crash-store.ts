import type { Store, StoreTx } from '../../src/core/ports/store.js';
import type { RequestStatus } from '../../src/core/types.js';

/**
 * Wraps a store so the next transition into `status` throws inside its transaction, as if the process
 * died after the provider call and before the commit. The transaction rolls back; the "process" is then
 * abandoned by the test, which restarts with fresh deps on the same database.
 */
export function crashOnTransitionTo(store: Store, status: RequestStatus): Store {
  let armed = true;
  const crashOn = (into: RequestStatus | undefined) => {
    if (armed && into === status) {
      armed = false;
      throw new Error(`simulated crash before recording ${status}`);
    }
  };
  // Every way a status moves: one row, many rows with one patch, confirmed ends.
  const wrapTx = (tx: StoreTx): StoreTx => ({
    ...tx,
    async transition(id, from, patch) {
      crashOn(patch.status);
      return tx.transition(id, from, patch);
    },
    async transitionMany(ids, from, patch) {
      crashOn(patch.status);
      return tx.transitionMany(ids, from, patch);
    },
    async recordEnded(ends) {
      for (const end of ends) crashOn(end.status);
      return tx.recordEnded(ends);
    },
  });
  // The audited one-statement writes: the crash comes before the statement, so nothing of it is written.
  const audited: Partial<Store> = {
    async transitionAudited(id, from, patch, events) {
      crashOn(patch.status);
      return store.transitionAudited(id, from, patch, events);
    },
    async recordEndedAudited(ends, events) {
      for (const end of ends) crashOn(end.status);
      return store.recordEndedAudited(ends, events);
    },
    async insertRequestAudited(request, events) {
      crashOn(request.status);
      return store.insertRequestAudited(request, events);
    },
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'transaction') {
        return <T>(fn: (tx: StoreTx) => Promise<T>) => target.transaction((tx) => fn(wrapTx(tx)));
      }
      if (typeof property === 'string' && property in audited) return audited[property as keyof Store];
      return Reflect.get(target, property, receiver);
    },
  });
}
