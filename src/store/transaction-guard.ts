import { AsyncLocalStorage } from 'node:async_hooks';
import { KeycardError } from '../core/result.js';

/**
 * Catches the outer Store being used inside `store.transaction()`. On PGlite (one connection) that
 * call waits for the transaction that is waiting for it, forever; on pg it silently escapes the
 * transaction on another pooled connection. Either way it is a bug, so it fails loudly instead.
 */
export interface TransactionGuard {
  /** Runs fn as the body of a transaction; calls to `assertOutside` from its async context throw. */
  enclose<T>(fn: () => Promise<T>): Promise<T>;
  assertOutside(method: string): void;
}

export function createTransactionGuard(): TransactionGuard {
  // A flag, not mere presence: work that fn leaves running after the transaction ends inherits the context.
  const scope = new AsyncLocalStorage<{ open: boolean }>();
  return {
    async enclose(fn) {
      const marker = { open: true };
      try {
        return await scope.run(marker, fn);
      } finally {
        marker.open = false;
      }
    },
    assertOutside(method) {
      if (scope.getStore()?.open) {
        throw new KeycardError(
          'store_used_inside_transaction',
          `store.${method}() was called inside store.transaction(); use the tx passed to the callback`,
        );
      }
    },
  };
}
