import { readFileSync } from 'node:fs';
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
  // The node flags `npm start` passes (the image sets the same in NODE_OPTIONS).
  const start = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = start.split(' ').filter((word) => word.startsWith('--'));
  return {
    args: [...flags, join(repoRoot, 'bin/keycard.js'), 'start'],
    label: `node ${[...flags, 'bin/keycard.js'].join(' ')} start (compiled dist/)`,
  };
}
