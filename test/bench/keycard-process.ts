import { join } from 'node:path';
import { repoRoot } from './child-process.js';

/** How Keycard is started in the process benchmarks. */
export interface Launcher {
  args: string[];
  label: string;
}

/**
 * `bin/keycard.js start`, as a user runs it: it runs the compiled dist/ (building it first when it is
 * missing or older than src/), like the image's `node dist/cli/keycard.js`.
 */
export function keycardLauncher(): Launcher {
  return { args: [join(repoRoot, 'bin/keycard.js'), 'start'], label: 'node bin/keycard.js start (compiled dist/)' };
}
