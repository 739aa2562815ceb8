import type { Logger } from '../core/ports/runtime.js';
import type { Store } from '../core/ports/store.js';
import { stripUrlCredentials } from '../logging/create-logger.js';

/** Something that must be connected before this replica takes traffic (a chat platform). */
export interface ReadinessDependency {
  name: string;
  ready(): Promise<boolean>;
}

export interface ReadinessOptions {
  store: Pick<Store, 'listRequests' | 'state'>;
  dependencies: readonly ReadinessDependency[];
  log: Logger;
  /** False once shutdown has begun, so the load balancer stops sending work first. */
  acceptingWork?: () => boolean;
  /** Each check answers within this long or counts as failed (a probe must not hang). Default 2 s. */
  timeoutMs?: number;
  /** Informational lines that do not decide readiness (a directory source running on last known membership). */
  detail?: () => Record<string, string>;
}

export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, string>;
  detail?: Record<string, string>;
}

const OK = 'ok';
// Postgres "undefined_table": the database answers but Keycard's tables are not there.
const UNDEFINED_TABLE = '42P01';

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The driver's own error under drizzle's "Failed query: …" wrapper (which repeats the SQL). */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth += 1) {
    const cause = typeof current === 'object' && current !== null && 'cause' in current ? current.cause : undefined;
    if (cause === undefined || cause === null) break;
    current = cause;
  }
  return current;
}

function describeError(error: unknown): string {
  const root = rootCause(error);
  const message = root instanceof Error ? root.message : String(root);
  return stripUrlCredentials(message).slice(0, 200);
}

function databaseProblem(error: unknown): string {
  const root = rootCause(error);
  const code = typeof root === 'object' && root !== null && 'code' in root ? root.code : undefined;
  if (code === UNDEFINED_TABLE) return 'migrations not applied (run keycard migrate)';
  return `unreachable: ${describeError(error)}`;
}

/**
 * /readyz: the database answers queries on two of Keycard's migrated tables (requests and the key/value
 * state), every chat platform is connected, and shutdown has not begun. Each check is one cheap query or
 * call, bounded by a timeout; the report names what failed without secrets.
 */
export function createReadinessCheck(options: ReadinessOptions): () => Promise<ReadinessReport> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  return async () => {
    const checks: Record<string, string> = {};
    const database = withTimeout(
      Promise.all([options.store.listRequests({ limit: 1 }), options.store.state.get('keycard', 'readiness')]),
      timeoutMs,
      'the database',
    ).then(
      () => OK,
      (error: unknown) => {
        options.log.warn({ err: describeError(error) }, 'readiness: database check failed');
        return databaseProblem(error);
      },
    );
    const platforms = options.dependencies.map(async (dependency) => {
      const connected = await withTimeout(dependency.ready(), timeoutMs, dependency.name).catch(() => false);
      return [dependency.name, connected ? OK : 'not connected'] as const;
    });
    checks.database = await database;
    for (const [name, state] of await Promise.all(platforms)) checks[name] = state;
    if (options.acceptingWork && !options.acceptingWork()) checks.shutdown = 'in progress';
    const detail = options.detail?.();
    return { ok: Object.values(checks).every((value) => value === OK), checks, ...(detail ? { detail } : {}) };
  };
}
