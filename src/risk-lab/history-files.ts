import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GENESIS_HASH, hashAuditEvent } from '../core/audit/hash-chain.js';
import type { AuditEvent, AuditInput } from '../core/types.js';
import type { GroundTruth, SimulatedHistory } from './simulate.js';

/**
 * A generated history on disk. The audit log is in the exact format of `keycard audit export
 * --format jsonl` (hash chain included, so it verifies like a real one); the labels sit in a file
 * of their own that nothing but `risk evaluate` opens.
 */
export const AUDIT_FILE = 'audit.jsonl';
export const TRUTH_FILE = 'ground-truth.json';
export const POLICY_FILE = 'policy.yaml';
export const SUMMARY_FILE = 'summary.json';

export interface HistoryPaths {
  audit: string;
  truth?: string;
  policy?: string;
}

/** A directory written by `risk simulate --out`, or a single audit JSONL file (e.g. from `keycard audit export`). */
export function historyPaths(path: string): HistoryPaths {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  if (!statSync(path).isDirectory()) return { audit: path };
  const audit = join(path, AUDIT_FILE);
  if (!existsSync(audit)) throw new Error(`${path} has no ${AUDIT_FILE} (write one with keycard risk simulate --out ${path})`);
  const truth = join(path, TRUTH_FILE);
  const policy = join(path, POLICY_FILE);
  return { audit, ...(existsSync(truth) ? { truth } : {}), ...(existsSync(policy) ? { policy } : {}) };
}

export async function writeHistoryDir(dir: string, history: SimulatedHistory, policyText: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(join(dir, AUDIT_FILE));
  let prevHash = GENESIS_HASH;
  let seq = 0;
  let chunk: string[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const text = `${chunk.join('\n')}\n`;
    chunk = [];
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  for (const event of history.events) {
    seq += 1;
    const hash = hashAuditEvent(prevHash, seq, event);
    chunk.push(
      JSON.stringify({
        seq,
        at: event.at.toISOString(),
        actor: event.actor,
        action: event.action,
        requestId: event.requestId,
        details: event.details,
        prevHash,
        hash,
      }),
    );
    prevHash = hash;
    if (chunk.length >= 2000) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  await writeFile(join(dir, TRUTH_FILE), `${JSON.stringify(history.truth)}\n`);
  await writeFile(join(dir, POLICY_FILE), policyText);
  await writeFile(join(dir, SUMMARY_FILE), `${JSON.stringify({ ...history.summary, window: history.window }, null, 2)}\n`);
}

/** Reads an audit JSONL file (ours or `audit export`'s) in chain order. */
export async function readAuditFile(path: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (line.trim() === '') continue;
    events.push(parseAuditLine(line, `${path}:${n}`));
  }
  return events.sort((a, b) => a.seq - b.seq);
}

export function parseAuditLine(line: string, where: string): AuditEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  if (typeof value !== 'object' || value === null) throw new Error(`${where}: not an audit event`);
  const e = value as Record<string, unknown>;
  const at = typeof e.at === 'string' ? new Date(e.at) : undefined;
  if (!at || Number.isNaN(at.getTime()) || typeof e.actor !== 'string' || typeof e.action !== 'string') {
    throw new Error(`${where}: an audit event needs at, actor and action`);
  }
  const details =
    typeof e.details === 'object' && e.details !== null && !Array.isArray(e.details) ? (e.details as Record<string, unknown>) : {};
  return {
    seq: typeof e.seq === 'number' ? e.seq : 0,
    at,
    actor: e.actor,
    action: e.action,
    requestId: typeof e.requestId === 'string' ? e.requestId : null,
    details,
    prevHash: typeof e.prevHash === 'string' ? e.prevHash : '',
    hash: typeof e.hash === 'string' ? e.hash : '',
  };
}

export async function readTruthFile(path: string): Promise<GroundTruth> {
  return parseTruth(JSON.parse(await readFile(path, 'utf8')), path);
}

export function parseTruth(value: unknown, where: string): GroundTruth {
  const v = value as Partial<GroundTruth> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    !Array.isArray(v.misuse) ||
    typeof v.window?.start !== 'string' ||
    typeof v.window.end !== 'string'
  ) {
    throw new Error(`${where}: not a ground-truth file (expected {"window": {...}, "misuse": [...]})`);
  }
  return v as GroundTruth;
}

/** Drops the chain fields: what a replay needs. */
export function asInputs(events: readonly AuditEvent[]): AuditInput[] {
  return events.map(({ at, actor, action, requestId, details }) => ({ at, actor, action, requestId, details }));
}
