import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import type { AuditKeys } from '../config/audit-key.js';
import type { KeycardConfig } from '../config/env.js';
import type { Clock } from '../core/ports/runtime.js';
import type { Store } from '../core/ports/store.js';
import { openStore } from '../main.js';
import { createEmptyStore } from '../store/empty-store.js';

/**
 * The store for a command that only reads: the configured database as usual, except that an embedded
 * data directory that was never initialised is left alone (no initdb, no migrations, no files) and
 * read as empty.
 */
export async function openReadStore(config: KeycardConfig, log: PinoLogger, clock: Clock, auditKeys?: AuditKeys): Promise<Store> {
  if (!config.databaseUrl && !existsSync(join(config.dataDir, 'PG_VERSION'))) return createEmptyStore(config.dataDir);
  return openStore(config, log, clock, auditKeys);
}
