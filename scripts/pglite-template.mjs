// Run by `npm run build` after tsc: builds dist/pglite-template/, an initialised and migrated embedded
// data directory. A new KEYCARD_DATA_DIR starts as a copy of it (src/store/pglite-files.ts) instead of
// running initdb, which takes seconds and leaves hundreds of MB of memory behind.
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'dist', 'pglite-template');
if (!existsSync(join(root, 'dist', 'store', 'index.js'))) {
  console.error('pglite-template: dist/ is not built (run tsc first)');
  process.exit(1);
}
// The previous template must not seed the new one.
rmSync(target, { recursive: true, force: true });
const { openDatabase, runMigrations } = await import('../dist/store/index.js');
const { silentLogger } = await import('../dist/core/ports/runtime.js');
const work = mkdtempSync(join(root, 'dist', '.pglite-template-'));
try {
  const handle = await openDatabase({ dataDir: work, log: silentLogger });
  try {
    await runMigrations(handle, { migrationsFolder: join(root, 'migrations') });
  } finally {
    await handle.close();
  }
  renameSync(work, target);
} finally {
  rmSync(work, { recursive: true, force: true });
}
// What scripts/ensure-built.mjs compares with the sources' times: dist/ is complete from here on.
writeFileSync(join(root, 'dist', '.build-stamp'), String(Date.now()));
