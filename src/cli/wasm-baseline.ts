import { setFlagsFromString } from 'node:v8';

/**
 * Keeps WebAssembly on V8's baseline compiler (Liftoff) for this process. The only large WebAssembly
 * Keycard runs is embedded Postgres (PGlite, 9 MB of wasm): optimising all of it costs about a second of
 * CPU and 30 MB of memory at every start, while measured query throughput stays the same (the time goes
 * to the protocol and JavaScript, not to wasm code). Must run before PGlite is imported; only the CLI
 * entry points call it, so tests keep V8's defaults.
 */
export function preferBaselineWasm(): void {
  setFlagsFromString('--liftoff-only');
}
