import { Registry } from 'prom-client';
import type { DirectoryObserver } from '../core/ports/directory.js';
import type { Clock, Logger } from '../core/ports/runtime.js';
import { silentLogger } from '../core/ports/runtime.js';
import type { Store } from '../core/ports/store.js';
import type { Platform } from '../core/types.js';
import { addProcessMetrics, defineMetrics, type GrantCounts } from './define-metrics.js';
import { defineDirectoryMetrics } from './directory-metrics.js';
import type { ChatFailureObserver } from './instrument-chat.js';
import { type ProviderCallObserver, providerErrorCode } from './instrument-provider.js';
import type { CommittedEventListener } from './instrument-store.js';
import { isRateLimitError } from './rate-limit.js';
import { recordLifecycle } from './record-lifecycle.js';

/** Active grants more than this far past expiry count as overdue. */
const OVERDUE_AFTER_MS = 60_000;

export interface MetricsExposition {
  contentType: string;
  body: string;
}

/** Keycard's Prometheus metrics: one registry per Keycard instance (tests boot many in one process). */
export interface KeycardMetrics {
  readonly registry: Registry;
  /** For instrumentStore: lifecycle metrics from committed audit events. */
  readonly onCommitted: CommittedEventListener;
  /** For instrumentProvider: latency and errors per provider operation. */
  readonly onProviderCall: ProviderCallObserver;
  /** For instrumentChat: failed deliveries and 429s per platform. */
  readonly onChatFailure: ChatFailureObserver;
  /** For the directory runtime: refresh outcomes and each source's state. */
  readonly directory: DirectoryObserver;
  /** Where the grant gauges read from at scrape time. */
  readGrantsFrom(store: Pick<Store, 'listRequests'>, clock: Clock): void;
  /** Zero-valued failure series for the known providers and platforms, so increase() sees the first failure. */
  preset(known: { providers?: readonly string[]; platforms?: readonly Platform[] }): void;
  /** The text exposition format and its content type, for GET /metrics. */
  render(): Promise<MetricsExposition>;
}

export interface MetricsOptions {
  /** Default process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
  log?: Logger;
}

async function countGrants(store: Pick<Store, 'listRequests'>, clock: Clock): Promise<GrantCounts> {
  // One indexed query on status; the open set is small compared with the history (ended grants).
  const open = await store.listRequests({ statuses: ['active', 'revoking', 'revoke_failed'] });
  const now = clock.now().getTime();
  const activeByResource = new Map<string, number>();
  let revoking = 0;
  let revokeFailed = 0;
  let overdue = 0;
  for (const row of open) {
    if (row.status === 'revoking') revoking += 1;
    else if (row.status === 'revoke_failed') revokeFailed += 1;
    else {
      activeByResource.set(row.resource, (activeByResource.get(row.resource) ?? 0) + 1);
      if (row.expiresAt && row.expiresAt.getTime() < now - OVERDUE_AFTER_MS) overdue += 1;
    }
  }
  return { activeByResource, revoking, revokeFailed, overdue };
}

export function createKeycardMetrics(options: MetricsOptions = {}): KeycardMetrics {
  const log = options.log ?? silentLogger;
  const registry = new Registry();
  let source: { store: Pick<Store, 'listRequests'>; clock: Clock } | undefined;
  // The gauges of one scrape start collecting in the same tick, so they share the query in flight.
  let inFlight: Promise<GrantCounts | undefined> | undefined;

  const grantCounts = (): Promise<GrantCounts | undefined> => {
    if (!source) return Promise.resolve(undefined);
    inFlight ??= countGrants(source.store, source.clock)
      .catch((error: unknown) => {
        log.warn({ err: error instanceof Error ? error.message : String(error) }, 'metrics: could not count grants');
        return undefined;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  const metrics = defineMetrics(registry, grantCounts);
  const directory = defineDirectoryMetrics(registry);
  if (options.processMetrics !== false) addProcessMetrics(registry);

  return {
    registry,
    onCommitted: (event, request) => recordLifecycle(metrics, event, request),
    onProviderCall: ({ provider, operation, seconds, error }) => {
      metrics.providerCallDuration.observe({ provider, operation, result: error === undefined ? 'ok' : 'error' }, seconds);
      if (error !== undefined) metrics.providerErrors.inc({ provider, operation, code: providerErrorCode(error) });
    },
    onChatFailure: ({ platform, operation, error }) => {
      metrics.chatErrors.inc({ platform, operation });
      if (isRateLimitError(error)) metrics.chatRateLimited.inc({ platform });
    },
    directory,
    readGrantsFrom(store, clock) {
      source = { store, clock };
    },
    preset({ providers = [], platforms = [] }) {
      for (const provider of providers) {
        metrics.revokeFailures.inc({ provider }, 0);
        metrics.revokeRetries.inc({ provider }, 0);
        metrics.revokeEscalations.inc({ provider }, 0);
      }
      for (const platform of platforms) metrics.chatRateLimited.inc({ platform }, 0);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
