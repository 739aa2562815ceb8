import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { AuditKey, AuditKeyLookup } from '../core/audit/hash-chain.js';
import type { Clock, Logger } from '../core/ports/runtime.js';
import type { Store } from '../core/ports/store.js';

/** A signed statement "the chain's head was event #seq with this hash at this time", kept outside the database. */
export interface Checkpoint {
  v: 1;
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  mac: string;
}

function macOf(key: AuditKey, seq: number, hash: string, at: string): string {
  return createHmac('sha256', key.secret).update(`keycard-audit-checkpoint:v1:${seq}:${hash}:${at}`).digest('hex');
}

export function signCheckpoint(key: AuditKey, head: { seq: number; hash: string }, at: Date): Checkpoint {
  const stamp = at.toISOString();
  return { v: 1, seq: head.seq, hash: head.hash, at: stamp, keyId: key.id, mac: macOf(key, head.seq, head.hash, stamp) };
}

/** True when the checkpoint was signed by one of our keys and not altered since. */
export function isAuthenticCheckpoint(checkpoint: Checkpoint, keys: AuditKeyLookup): boolean {
  const key = keys(checkpoint.keyId);
  if (!key) return false;
  const want = Buffer.from(macOf(key, checkpoint.seq, checkpoint.hash, checkpoint.at), 'hex');
  const got = Buffer.from(checkpoint.mac, 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Checkpoints from a JSON-lines file; lines that are not checkpoints are returned as problems. */
export function readCheckpointFile(path: string): { checkpoints: Checkpoint[]; problems: string[] } {
  if (!existsSync(path)) return { checkpoints: [], problems: [] };
  const checkpoints: Checkpoint[] = [];
  const problems: string[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const value = JSON.parse(line) as Checkpoint;
        if (value.v === 1 && Number.isInteger(value.seq) && typeof value.hash === 'string' && typeof value.mac === 'string')
          checkpoints.push(value);
        else problems.push(`line ${i + 1} is not a checkpoint`);
      } catch {
        problems.push(`line ${i + 1} is not JSON`);
      }
    });
  return { checkpoints, problems };
}

export interface CheckpointSinks {
  /** Appends one JSON line per checkpoint; undefined when file checkpoints are off. */
  file?: string;
  /** POSTs each checkpoint as JSON (an object store gateway, a SIEM, another team's service). */
  url?: string;
  /** Also tells people (a line in the alerts channel); its failure is logged and does not fail the checkpoint. */
  alert?: (checkpoint: Checkpoint) => Promise<void>;
}

export interface CheckpointWriter {
  /** Writes a checkpoint now if the head moved since the last one. */
  write(): Promise<Checkpoint | undefined>;
  /** Stops the timer and writes a final checkpoint (graceful stop). */
  stop(): Promise<void>;
}

/**
 * Writes a signed checkpoint of the chain head outside the database at least every `intervalMs`
 * (and at stop), so deleting the newest events or recomputing the chain is caught by `audit verify`.
 */
export function startCheckpoints(options: {
  store: Pick<Store, 'auditHead'>;
  key: AuditKey;
  sinks: CheckpointSinks;
  clock: Clock;
  log: Logger;
  intervalMs?: number;
  fetch?: typeof fetch;
}): CheckpointWriter {
  let last: string | undefined;
  let running: Promise<Checkpoint | undefined> | undefined;
  const send = async (checkpoint: Checkpoint) => {
    if (options.sinks.file) appendFileSync(options.sinks.file, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
    if (options.sinks.url) {
      const response = await (options.fetch ?? fetch)(options.sinks.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(checkpoint),
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`checkpoint webhook answered ${response.status}`);
    }
    await options.sinks.alert?.(checkpoint).catch((error: unknown) => {
      options.log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'posting an audit checkpoint line to the alerts channel failed',
      );
    });
  };
  const write = async (): Promise<Checkpoint | undefined> => {
    const head = await options.store.auditHead();
    if (!head || `${head.seq}:${head.hash}` === last) return undefined;
    const checkpoint = signCheckpoint(options.key, head, options.clock.now());
    await send(checkpoint);
    last = `${head.seq}:${head.hash}`;
    return checkpoint;
  };
  const guarded = () => {
    running ??= write()
      .catch((error: unknown) => {
        options.log.error({ err: error instanceof Error ? error.message : String(error) }, 'writing an audit checkpoint failed');
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void guarded(), options.intervalMs ?? 60_000);
  timer.unref();
  return {
    write: guarded,
    async stop() {
      clearInterval(timer);
      await running;
      await guarded();
    },
  };
}
