export { createStore, type StoreOptions } from './create-store.js';
export {
  type Database,
  type DatabaseHandle,
  MEMORY_DATA_DIR,
  type OpenDatabaseOptions,
  openDatabase,
  type PgHandle,
  type PgliteHandle,
} from './database.js';
export { findMigrationsFolder, type MigrationOptions, runMigrations } from './migrations.js';
export { redactUrl } from './redact-url.js';
