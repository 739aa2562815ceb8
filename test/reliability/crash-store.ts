import type { Store, StoreTx } from '../../src/core/ports/store.js';
import type { RequestStatus } from '../../src/core/types.js';

/**
 * Wraps a store so the next transition into `status` throws inside its transaction, as if the process
 * died after the provider call and before the commit. The transaction rolls back; the "process" is then
 * abandoned by the test, which restarts with fresh deps on the same database.
 */
export function crashOnTransitionTo(store: Store, status: RequestStatus): Store {
  let armed = true;
  const wrapTx = (tx: StoreTx): StoreTx => ({
    ...tx,
    async transition(id, from, patch) {
      if (armed && patch.status === status) {
        armed = false;
        throw new Error(`simulated crash before recording ${status}`);
      }
      return tx.transition(id, from, patch);
    },
  });
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'transaction') {
        return <T>(fn: (tx: StoreTx) => Promise<T>) => target.transaction((tx) => fn(wrapTx(tx)));
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
