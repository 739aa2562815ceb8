import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const MB = 1024 * 1024;

/** Resident set size of a live process, from the kernel (/proc/PID/status VmRSS), in bytes. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kb * 1024;
}

export const toMb = (bytes: number): string => (bytes / MB).toFixed(0);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ServedProcess {
  child: ChildProcess;
  pid: number;
  /** Milliseconds from spawn to the first 200 on /readyz. */
  readyMs: number;
  port: number;
  /** Keycard's /metrics listener (its own loopback port since KEYCARD_METRICS_PORT); the reference has none. */
  metricsPort: number | undefined;
  stop(): Promise<void>;
}

/**
 * Spawns `node ARGS` and waits for it to answer 200 on /readyz. The port is read from what the process
 * prints (`"port":N` in a log line, or `listening N` from the reference), so PORT=0 works for both.
 */
export async function spawnServed(args: string[], env: Record<string, string>, cwd: string, timeoutMs = 60_000): Promise<ServedProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', KEYCARD_METRICS_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => {
    if (output.length < 200_000) output += d;
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  void closed.then(() => {
    exited = true;
  });
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await closed;
  };
  try {
    let port: number | undefined;
    for (;;) {
      if (exited) throw new Error(`process exited before ready: ${output.slice(-600)}`);
      if (performance.now() - started > timeoutMs) throw new Error(`not ready after ${timeoutMs} ms: ${output.slice(-600)}`);
      port ??=
        Number(
          /"port":(\d+)[^\n]*(?:keycard serving|health endpoints listening)|^listening (\d+)$|Keycard is serving [^\n]* on port (\d+)/m
            .exec(output)
            ?.slice(1)
            .find(Boolean) ?? 0,
        ) || undefined;
      if (port) {
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        if (ready) await ready.arrayBuffer();
        if (ready?.status === 200) {
          const metricsPort =
            Number(
              /"metricsPort":(\d+)[^\n]*(?:metrics listening|keycard serving)|metrics: http:\/\/[^:\s]+:(\d+)\/metrics/
                .exec(output)
                ?.slice(1)
                .find(Boolean) ?? 0,
            ) || undefined;
          return { child, pid: child.pid!, readyMs: performance.now() - started, port, metricsPort, stop };
        }
      }
      await sleep(5);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The reference for start-up and memory: a bare Node process serving /readyz on node:http, nothing
 * else loaded. Keycard's figures are read against it, measured in turn in the same run.
 */
export const BARE_NODE_ARGS = [
  '-e',
  "const s=require('node:http').createServer((q,r)=>r.end('ok'));s.listen(Number(process.env.PORT)||0,'127.0.0.1',()=>console.log('listening '+s.address().port));process.on('SIGTERM',()=>s.close())",
];
