import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, TSX_LOADER } from './child-process.js';
import { compiledApp } from './compiled-app.js';

/** How Keycard is started: compiled, as the image runs it, or through tsx when the build failed. */
export interface Launcher {
  args: string[];
  label: string;
}

export function keycardLauncher(): Launcher {
  const app = compiledApp();
  return app
    ? { args: [join(app, 'dist/cli/keycard.js'), 'start'], label: 'compiled (node dist/cli/keycard.js)' }
    : { args: ['--import', TSX_LOADER, join(repoRoot, 'src/cli/keycard.ts'), 'start'], label: 'through tsx (the build failed)' };
}

export interface KeycardProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the HTTP port once the health endpoints listen; rejects if the process exits first. */
  port(timeoutMs?: number): Promise<number>;
  /** Resolves with the /metrics listener's port (KEYCARD_METRICS_PORT=0 picks a free one). */
  metricsPort(timeoutMs?: number): Promise<number>;
  /** Ends stdin (the console's session) and waits for the process to exit. */
  stop(): Promise<void>;
}

/** `keycard start` without chat credentials: the console on stdin, plus /healthz, /readyz and /metrics. */
export function startKeycard(launcher: Launcher, env: Record<string, string>, cwd: string): KeycardProcess {
  const child = spawn(process.execPath, launcher.args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', KEYCARD_METRICS_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  // The console writes a line per command; an undrained pipe would stall it.
  child.stdout.resume();
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let exited = false;
  void closed.then(() => {
    exited = true;
  });
  const waitForLog = async (pattern: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const port = pattern.exec(stderr)?.[1];
      if (port) return Number(port);
      if (exited || Date.now() > deadline) throw new Error(`keycard did not start: ${stderr.slice(-400)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return {
    child,
    port: (timeoutMs = 60_000) => waitForLog(/"port":(\d+)[^\n]*health endpoints listening/, timeoutMs),
    metricsPort: (timeoutMs = 60_000) => waitForLog(/"metricsPort":(\d+)[^\n]*metrics listening/, timeoutMs),
    async stop() {
      child.stdin.end();
      await closed;
    },
  };
}
