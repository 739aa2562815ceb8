#!/usr/bin/env -S node --max-semi-space-size=4
// The flag above: a 4 MB young generation keeps resident memory down (docs/performance.md); `npm start` and
// the image pass the same.
// Runs the compiled CLI (dist/, built by `npm install`'s prepare step or `npm run build`); when dist/ is
// missing or older than src/ (a checkout without a build), it builds it first, and falls back to the
// TypeScript sources through tsx only if that build cannot run (no TypeScript compiler installed).
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let cli;
if (ensureBuilt(root)) {
  const { preferBaselineWasm } = await import(pathToFileURL(join(root, 'dist', 'cli', 'wasm-baseline.js')).href);
  preferBaselineWasm();
  cli = await import(pathToFileURL(join(root, 'dist', 'cli', 'keycard.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(join(root, 'src', 'cli', 'keycard.ts')).href);
}
process.exitCode = await cli.runCli(process.argv.slice(2));
