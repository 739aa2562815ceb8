import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { auditKeysForVerify } from '../config/audit-key.js';
import { type AuditKeyLookup, GENESIS_HASH, verifyChain } from '../core/audit/hash-chain.js';
import type { Store } from '../core/ports/store.js';
import type { AuditEvent } from '../core/types.js';
import { loadEnvironment } from '../main.js';
import { type Checkpoint, isAuthenticCheckpoint, readCheckpointFile } from '../store/audit-checkpoints.js';
import { checkFlags, flagString, type ParsedArgs, UsageError } from './args.js';
import { withContext } from './context.js';
import type { CliIo } from './io.js';
import { checkpointSinks } from './start-checkpoints.js';

export const AUDIT_USAGE = `Usage:
  keycard audit verify [--checkpoints FILE]              check the keyed hash chain and the signed checkpoints written outside
                                                         the database; exits 1 naming the first edited, deleted or missing event
  keycard audit export --format jsonl|csv [--since DATE] [--output FILE]
                                                         write the audit log (to stdout unless --output)`;

const BATCH = 1000;

async function* events(store: Store, since?: Date): AsyncGenerator<AuditEvent> {
  let afterSeq = 0;
  for (;;) {
    const batch = await store.readAudit({ afterSeq, limit: BATCH, ...(since ? { since } : {}) });
    yield* batch;
    if (batch.length < BATCH) return;
    afterSeq = batch[batch.length - 1]!.seq;
  }
}

export async function auditCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  const [sub] = args.positionals;
  if (args.flags.has('help') || sub === undefined) {
    io.out(AUDIT_USAGE);
    return sub === undefined && !args.flags.has('help') ? 2 : 0;
  }
  if (sub !== 'verify' && sub !== 'export') throw new UsageError(`unknown audit command "${sub}"`, AUDIT_USAGE);
  if (sub === 'verify') {
    checkFlags(args, { checkpoints: 'a checkpoint file, e.g. --checkpoints audit-checkpoints.jsonl' }, AUDIT_USAGE, 1);
    const env = loadEnvironment(io.cwd, io.env);
    return withContext(
      io,
      async ({ store, config }) => {
        const given = flagString(args, 'checkpoints');
        const file = given ? resolve(io.cwd, given) : checkpointSinks(config, env, io.cwd).file;
        return verify(io, store, auditKeysForVerify(config, env), file);
      },
      { needsPolicy: false, readOnly: true },
    );
  }
  checkFlags(
    args,
    {
      format: 'jsonl or csv, e.g. --format csv',
      since: 'a date, e.g. --since 2026-11-01',
      output: 'a file name, e.g. --output audit.jsonl',
    },
    AUDIT_USAGE,
    1,
  );
  const format = flagString(args, 'format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv (got "${format}")`, AUDIT_USAGE);
  const sinceText = flagString(args, 'since');
  const since = sinceText ? new Date(sinceText) : undefined;
  if (since && Number.isNaN(since.getTime()))
    throw new UsageError(`--since "${sinceText}" is not a date (e.g. 2026-11-01 or 2026-11-01T00:00:00Z)`, AUDIT_USAGE);
  const output = flagString(args, 'output');
  return withContext(
    io,
    async ({ store }) => {
      const file = output ? createWriteStream(resolve(io.cwd, output)) : undefined;
      const write = (line: string) => (file ? file.write(`${line}\n`) : io.out(line));
      if (format === 'csv') write('seq,at,actor,action,request_id,details,prev_hash,hash');
      let count = 0;
      for await (const e of events(store, since)) {
        count += 1;
        if (format === 'jsonl') {
          write(
            JSON.stringify({
              seq: e.seq,
              at: e.at.toISOString(),
              actor: e.actor,
              action: e.action,
              requestId: e.requestId,
              details: e.details,
              prevHash: e.prevHash,
              hash: e.hash,
            }),
          );
        } else {
          write(
            [e.seq, e.at.toISOString(), e.actor, e.action, e.requestId ?? '', JSON.stringify(e.details), e.prevHash, e.hash]
              .map(csvField)
              .join(','),
          );
        }
      }
      if (file) {
        await new Promise<void>((done, fail) => file.end((error?: Error | null) => (error ? fail(error) : done())));
        io.err(`wrote ${count} audit event(s) to ${output}`);
      }
      return 0;
    },
    { needsPolicy: false, readOnly: true },
  );
}

async function verify(io: CliIo, store: Store, keys: AuditKeyLookup, checkpointFile: string | undefined): Promise<number> {
  let prevHash = GENESIS_HASH;
  let expectSeq = 1;
  let total = 0;
  let keyed = 0;
  const state = { keyed: false };
  const hashes = new Map<number, string>();
  const { checkpoints, problems } = checkpointFile ? readCheckpointFile(checkpointFile) : { checkpoints: [], problems: [] };
  const wanted = new Set(checkpoints.map((c) => c.seq));
  for (;;) {
    const batch = await store.readAudit({ afterSeq: expectSeq - 1, limit: BATCH });
    if (batch.length === 0) break;
    const check = verifyChain(batch, prevHash, expectSeq, keys, state);
    if (!check.ok) {
      io.err(`audit chain BROKEN at event #${check.brokenSeq}: ${check.problem} (${total + check.checked} event(s) before it are intact)`);
      return 1;
    }
    for (const event of batch) {
      if (event.keyId) keyed += 1;
      if (wanted.has(event.seq)) hashes.set(event.seq, event.hash);
    }
    total += check.checked;
    prevHash = check.lastHash;
    expectSeq = batch[batch.length - 1]!.seq + 1;
    if (batch.length < BATCH) break;
  }
  const failures = [...problems.map((p) => `checkpoint file ${p}`), ...checkCheckpoints(checkpoints, keys, hashes, total)];
  if (failures.length > 0) {
    for (const failure of failures) io.err(`audit log TAMPERED: ${failure}`);
    return 1;
  }
  // Events committed moments ago (or left by a replica that stopped before chaining them) are not in the
  // chain yet: reported, not a break; the next sequencer run chains them after the last hash checked here.
  const backlog = await store.auditBacklog();
  const unchained = backlog > 0 ? `; ${backlog} newer event(s) not chained yet (a running Keycard chains them within seconds)` : '';
  const against =
    checkpoints.length === 0
      ? checkpointFile
        ? ` (no checkpoints in ${checkpointFile} yet)`
        : ' (no checkpoint file)'
      : `, matching ${checkpoints.length} signed checkpoint(s) up to #${Math.max(...checkpoints.map((c) => c.seq))}`;
  io.out(
    total === 0 && checkpoints.length === 0
      ? `audit log is empty: nothing to verify${unchained}`
      : `audit chain intact: ${total} event(s) (${keyed} keyed), last hash ${prevHash.slice(0, 16)}…${against}${unchained}`,
  );
  return 0;
}

/** Each authentic checkpoint must name an event that still exists with the same hash. */
function checkCheckpoints(checkpoints: Checkpoint[], keys: AuditKeyLookup, hashes: Map<number, string>, last: number): string[] {
  const failures: string[] = [];
  for (const checkpoint of checkpoints) {
    if (!isAuthenticCheckpoint(checkpoint, keys)) {
      failures.push(`checkpoint for #${checkpoint.seq} (${checkpoint.at}) is not signed by a known key (forged or edited)`);
      continue;
    }
    const hash = hashes.get(checkpoint.seq);
    if (checkpoint.seq > last)
      failures.push(
        `checkpoint of ${checkpoint.at} saw event #${checkpoint.seq}, but the log ends at #${last}: the newest ${checkpoint.seq - last} event(s) were deleted`,
      );
    else if (hash !== checkpoint.hash)
      failures.push(`event #${checkpoint.seq} no longer has the hash its checkpoint of ${checkpoint.at} signed: the chain was rewritten`);
  }
  return failures;
}

/** RFC 4180 quoting; also defuses spreadsheet formula injection (=, +, -, @ at the start). */
function csvField(value: unknown): string {
  let text = String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) || text !== String(value) ? `"${text.replace(/"/g, '""')}"` : text;
}
