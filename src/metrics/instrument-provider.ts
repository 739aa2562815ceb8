import { performance } from 'node:perf_hooks';
import { type Provider, ProviderError } from '../core/ports/provider.js';

/** Receives one observation per provider call. */
export type ProviderCallObserver = (call: { provider: string; operation: string; seconds: number; error?: unknown }) => void;

/** The operations that reach the target; `close` and anything else pass through untimed. */
export const TIMED_OPERATIONS = ['grant', 'revoke', 'list', 'extend', 'terminateSessions', 'verifyRevoked'] as const;
const TIMED = new Set<PropertyKey>(TIMED_OPERATIONS);

/** The vendor-neutral code of a provider failure (ProviderError.code), or `unknown`. */
export function providerErrorCode(error: unknown): string {
  return error instanceof ProviderError ? error.code : 'unknown';
}

/**
 * Wraps a provider so each call's latency and failure are observed. A Proxy rather than a copy: optional
 * capabilities (`extend`, `verifyRevoked`, …, and any added later) stay present exactly when the inner
 * provider has them, because the core decides what to do by checking for them.
 */
export function instrumentProvider(inner: Provider, observe: ProviderCallObserver): Provider {
  const wrappers = new Map<PropertyKey, unknown>();
  const timed = (operation: string, call: (...args: unknown[]) => Promise<unknown>) => {
    return async (...args: unknown[]): Promise<unknown> => {
      const started = performance.now();
      try {
        const result = await call.apply(inner, args);
        observe({ provider: inner.kind, operation, seconds: (performance.now() - started) / 1000 });
        return result;
      } catch (error) {
        observe({ provider: inner.kind, operation, seconds: (performance.now() - started) / 1000, error });
        throw error;
      }
    };
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (!TIMED.has(property) || typeof value !== 'function') return value;
      let wrapper = wrappers.get(property);
      if (wrapper === undefined) {
        wrapper = timed(String(property), value as (...args: unknown[]) => Promise<unknown>);
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}
