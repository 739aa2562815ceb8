import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleCommand } from '../../src/core/commands/handle.js';
import { bootKeycard } from '../../src/main.js';

/**
 * Run in a child process by memory.bench.ts (`node --expose-gc --import tsx memory-probe.ts [DATABASE_URL]`),
 * so the numbers are this Keycard's alone: the real composition root with the bundled example policy,
 * then a burst of 500 concurrent requests through the core. Prints one JSON line.
 */
const BURST = 500;
const MB = 1024 * 1024;

async function settle(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return process.memoryUsage().rss;
}

async function main(): Promise<void> {
  const databaseUrl = process.argv[2];
  const dir = mkdtempSync(join(tmpdir(), 'kc-mem-'));
  const env = { KEYCARD_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
  const keycard = await bootKeycard({ env, cwd: dir, chat: [] });
  const idle = await settle();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  const origin = { platform: 'console' as const };
  await Promise.all(
    Array.from({ length: BURST }, (_, i) =>
      handleCommand(keycard.deps, {
        actor: `burst${i}@example.com`,
        text: '/access demo-db 15m read checking replication lag INC-42',
        origin,
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const after = await settle();
  const pending = (await keycard.store.listRequests({ statuses: ['pending'] })).length;
  await keycard.close();
  console.log(JSON.stringify({ idleMb: idle / MB, peakMb: peak / MB, afterMb: after / MB, seconds, pending }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
