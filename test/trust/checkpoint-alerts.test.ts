import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointLine, createCheckpointAlerts } from '../../src/cli/checkpoint-alerts.js';
import { readCheckpointAlerts } from '../../src/config/checkpoint-alerts-env.js';
import { readConfig } from '../../src/config/env.js';
import type { Logger } from '../../src/core/ports/runtime.js';
import { type CheckpointWriter, startCheckpoints } from '../../src/store/audit-checkpoints.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { eventually } from '../scenarios/world.js';

const KEY = { id: 'k-2026-12', secret: 'checkpoint-alerts-test-key-0123456789abcdef' };

function recordingLog(lines: string[]): Logger {
  const at = (a: unknown, b?: string) => void lines.push(`${b ?? ''} ${JSON.stringify(a)}`);
  return { debug: at, info: at, warn: at, error: at };
}

describe('KEYCARD_AUDIT_CHECKPOINT_ALERTS', () => {
  it('is off unless set, on for true, and anything else is a start-up error that names the variable', () => {
    expect(readCheckpointAlerts({})).toEqual({ ok: true, on: false });
    expect(readCheckpointAlerts({ KEYCARD_AUDIT_CHECKPOINT_ALERTS: 'false' })).toEqual({ ok: true, on: false });
    expect(readCheckpointAlerts({ KEYCARD_AUDIT_CHECKPOINT_ALERTS: 'true' })).toEqual({ ok: true, on: true });
    const bad = readConfig({ KEYCARD_POLICY: 'keycard.yaml', KEYCARD_AUDIT_CHECKPOINT_ALERTS: 'sometimes' }, { cwd: tmpdir() });
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).toContain('KEYCARD_AUDIT_CHECKPOINT_ALERTS must be true or false (got \\"sometimes\\")');
  });
});

describe('a checkpoint line in the alerts channel', () => {
  let h: Harness | undefined;
  const writers: CheckpointWriter[] = [];
  afterEach(async () => {
    for (const writer of writers.splice(0)) await writer.stop();
    await h?.close();
  });

  const appendEvent = (harness: Harness, action: string) =>
    harness.deps.store.transaction(async (tx) =>
      tx.appendAudit({ at: harness.clock.now(), actor: 'alice@example.com', action, requestId: null, details: {} }),
    );
  const alertLines = (harness: Harness) =>
    harness.chat.events.flatMap((e) => (e.type === 'alert' ? [{ channel: e.channel, kind: e.alert.kind, text: e.alert.text }] : []));

  it('posts "Audit checkpoint #seq <hash prefix> (key id)" at the interval through the chat port, once per head across replicas', async () => {
    h = await createHarness('pglite');
    const harness = h;
    const dir = mkdtempSync(join(tmpdir(), 'kc-checkpoint-alerts-'));
    const logs: string[] = [];
    // Two replicas: each writes its own checkpoint file; the channel gets one line per head.
    for (const name of ['a', 'b']) {
      writers.push(
        startCheckpoints({
          store: harness.deps.store,
          key: KEY,
          sinks: { file: join(dir, `${name}.jsonl`), alert: createCheckpointAlerts(harness.deps) },
          clock: harness.clock,
          log: recordingLog(logs),
          intervalMs: 50,
        }),
      );
    }
    await appendEvent(harness, 'test.first');
    const first = await harness.deps.store.auditHead();
    await eventually(() => expect(alertLines(harness)).toHaveLength(1));
    expect(alertLines(harness)[0]).toEqual({
      channel: '#security-alerts',
      kind: 'info',
      text: `Audit checkpoint #${first!.seq} ${first!.hash.slice(0, 16)} (key k-2026-12)`,
    });
    await eventually(() => {
      for (const name of ['a', 'b']) expect(readFileSync(join(dir, `${name}.jsonl`), 'utf8')).toContain(`"seq":${first!.seq}`);
    });

    await appendEvent(harness, 'test.second');
    const second = await harness.deps.store.auditHead();
    await eventually(() =>
      expect(alertLines(harness).map((l) => l.text)).toContain(
        `Audit checkpoint #${second!.seq} ${second!.hash.slice(0, 16)} (key k-2026-12)`,
      ),
    );
    for (const writer of writers.splice(0)) await writer.stop();
    expect(alertLines(harness)).toHaveLength(2);
    expect(logs.filter((line) => line.includes('failed'))).toEqual([]);
  });

  it('a chat failure is logged and does not stop the checkpoint; the head is posted when chat works again', async () => {
    h = await createHarness('pglite');
    const harness = h;
    const dir = mkdtempSync(join(tmpdir(), 'kc-checkpoint-alerts-'));
    const logs: string[] = [];
    const postAlert = harness.deps.chat.postAlert.bind(harness.deps.chat);
    let down = true;
    const deps = {
      ...harness.deps,
      chat: {
        ...harness.deps.chat,
        postAlert: async (...args: Parameters<typeof postAlert>) => {
          if (down) throw new Error('chat is down');
          return postAlert(...args);
        },
      },
    };
    const file = join(dir, 'checkpoints.jsonl');
    const writer = startCheckpoints({
      store: harness.deps.store,
      key: KEY,
      sinks: { file, alert: createCheckpointAlerts(deps) },
      clock: harness.clock,
      log: recordingLog(logs),
      intervalMs: 60_000,
    });
    writers.push(writer);
    await appendEvent(harness, 'test.first');
    const written = await writer.write();
    expect(written?.seq).toBeDefined();
    expect(readFileSync(file, 'utf8')).toContain(`"seq":${written!.seq}`);
    expect(
      logs.some((line) => line.includes('posting an audit checkpoint line to the alerts channel failed') && line.includes('chat is down')),
    ).toBe(true);
    expect(alertLines(harness)).toEqual([]);

    // Chat is back; the next head is posted (the failed one was released, so another replica may still post it).
    down = false;
    await appendEvent(harness, 'test.second');
    const next = await writer.write();
    expect(alertLines(harness).map((l) => l.text)).toEqual([checkpointLine(next!)]);
  });
});
