import { performance } from 'node:perf_hooks';
import { PROVIDER_PORT_METHODS, type Provider, ProviderError, type ProviderPortMethod } from '../core/ports/provider.js';

/** Receives one observation per provider call. */
export type ProviderCallObserver = (call: { provider: string; operation: string; seconds: number; error?: unknown }) => void;

/**
 * The operations that reach the target: every port member (PROVIDER_PORT_METHODS, which the compiler keeps
 * equal to the port) except `close`. Members outside the port (the Postgres `activity`) pass through untimed.
 */
export const TIMED_OPERATIONS = (Object.keys(PROVIDER_PORT_METHODS) as ProviderPortMethod[]).filter((m) => m !== 'close');
const TIMED = new Set<PropertyKey>(TIMED_OPERATIONS);

/** The vendor-neutral code of a provider failure (ProviderError.code), or `unknown`. */
export function providerErrorCode(error: unknown): string {
  return error instanceof ProviderError ? error.code : 'unknown';
}

/**
 * Wraps a provider so each call's latency and failure are observed. A Proxy rather than a copy, so every
 * member reaches the inner provider: the port's members (timed, and a member added to the port is timed
 * without anyone listing it) and a provider's extra capabilities that the monitor looks for (`activity`).
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
