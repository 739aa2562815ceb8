import { Counter, Gauge, type Registry } from 'prom-client';
import type { DirectoryObserver } from '../core/ports/directory.js';

const STATE_VALUE = { fresh: 0, stale: 1, expired: 2, never: 3 } as const;

/** Directory refresh metrics: refreshes by outcome, and each source's state and last success. */
export function defineDirectoryMetrics(register: Registry): DirectoryObserver {
  const registers = [register];
  const refreshes = new Counter({
    name: 'keycard_directory_refreshes_total',
    help: 'Directory source refreshes (Slack, Entra, Okta) by outcome: ok or error',
    labelNames: ['source', 'outcome'] as const,
    registers,
  });
  const state = new Gauge({
    name: 'keycard_directory_source_state',
    help: 'Directory source state: 0 fresh, 1 stale (failing, last known membership kept), 2 expired (groups resolve to nobody), 3 never fetched',
    labelNames: ['source'] as const,
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'keycard_directory_last_success_timestamp_seconds',
    help: 'When each directory source last answered (Unix time)',
    labelNames: ['source'] as const,
    registers,
  });
  return {
    refreshed(source, outcome) {
      refreshes.inc({ source, outcome });
    },
    status(statuses) {
      for (const status of statuses) {
        state.set({ source: status.source }, STATE_VALUE[status.state]);
        if (status.lastSuccessAt) lastSuccess.set({ source: status.source }, status.lastSuccessAt.getTime() / 1000);
      }
    },
  };
}
