import { afterEach, describe, expect, it } from 'vitest';
import { createConsoleChat } from '../../../src/chat/console/console-chat.js';
import { runConsoleSession } from '../../../src/chat/console/console-session.js';
import { recordActivity } from '../../../src/core/lifecycle/activity.js';
import { tick } from '../../../src/core/scheduler/jobs.js';
import { createHarness, type Harness } from '../../helpers/harness.js';

/** Runs a console script in-process: `sleep` advances the fake clock one second at a time, running the scheduler. */
async function script(h: Harness, lines: string[]): Promise<string[]> {
  const out: string[] = [];
  h.deps.chat = createConsoleChat({ write: (l) => out.push(l), clock: h.clock });
  async function* input() {
    yield* lines;
  }
  await runConsoleSession({
    deps: h.deps,
    lines: input(),
    write: (l) => out.push(l),
    echo: true,
    sleep: async (ms) => {
      for (let elapsed = 0; elapsed < ms; elapsed += 1000) await tick(h.deps, h.clock.advance(Math.min(1000, ms - elapsed)));
    },
  });
  return out;
}

describe('console scenarios', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('request → approve → active → notice → expiry → revoked', async () => {
    h = await createHarness('pglite', { start: new Date('2026-11-24T20:14:00Z') });
    const out = await script(h, [
      'as alice@example.com',
      '/access demo-db 20s read checking replication lag INC-42',
      'as bob@example.com',
      'approve KC-1 looks fine',
      'sleep 16s',
      'sleep 5s',
      'as alice@example.com',
      'status KC-1',
    ]);
    const text = out.join('\n');
    expect(text).toContain(
      '-> KC-1 pending · risk 40 (medium) · +20 high sensitivity (demo-db), +10 off-hours (21:14 Europe/Berlin, policy zone), +10 first access to demo-db',
    );
    expect(text).toContain('-> needs 1 more approval(s) from: sre');
    expect(text).toMatch(/\[#access-medium\] approval card KC-1: alice@example.com → demo-db \(read\) for 20s/);
    expect(text).toMatch(/-> KC-1 active until 21:14:20 \(20s left\) · credential delivered to alice@example.com/);
    expect(text).toMatch(/\[DM → alice@example.com\] KC-1: access to demo-db \(read\) is active until 21:14:20/);
    expect(text).toMatch(/\[DM → alice@example.com\] KC-1: your access to demo-db ends in 5s\./);
    expect(text).toContain("[Extend 20s] [I'm done]");
    expect(text).toMatch(/\[DM → alice@example.com\] KC-1: expired at 21:14:2\d · access revoked\./);
    expect(text).toMatch(/-> KC-1 expired · risk 40/);
    const order = ['approval card KC-1', 'credential (shown once)', 'ends in 5s', 'expired at'].map((needle) => text.indexOf(needle));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(h.provider.live.size).toBe(0);
  });

  it('answers help before anyone said who they are, and nothing else', async () => {
    h = await createHarness('pglite');
    const out = (await script(h, ['help', '/access help', 'list'])).join('\n');
    expect(out.match(/-> Console commands:/g)).toHaveLength(2);
    expect(out).toContain('/access <resource> [duration] [level] <reason…>');
    expect(out).toContain('-> Start with: as <your email>, e.g. as alice@example.com');
    expect(out).toContain('-> Say who you are first, e.g.: as alice@example.com (type help for every command)');
  });

  it('deny, self-approval and bad input are answered clearly', async () => {
    h = await createHarness('pglite');
    const out = await script(h, [
      'approve KC-1',
      'as not-an-email',
      'as alice@example.com',
      '/access prod-db 30m read fix',
      '/access demo-db 30x read fix',
      '/access demo-db 30m read',
      '/access demo-db 5s read quick look at replication INC-1',
      '/access demo-db 15m read checking replication lag INC-42',
      'approve KC-1',
      'as carol@example.com',
      'approve KC-1',
      'as bob@example.com',
      'deny KC-1',
      'deny KC-1 please use the read replica',
      'sleep nonsense',
      'frobnicate',
      'status KC-99',
      'help',
    ]);
    const text = out.join('\n');
    expect(text).toContain('-> Say who you are first, e.g.: as alice@example.com');
    expect(text).toContain('-> Usage: as <email>');
    expect(text).toContain('-> Unknown resource "prod-db". Available: demo-db, demo-logs, demo-admin.');
    expect(text).toContain('-> "30x" is not a duration');
    expect(text).toContain('-> Say why you need access');
    expect(text).toContain("-> 5s is shorter than demo-db's minimum of 10s.");
    expect(text).toContain('-> You cannot approve your own request KC-1');
    expect(text).toContain('-> KC-1 needs approval from sre; you are not in that group.');
    expect(text).toContain('-> A denial needs a reason');
    expect(text).toContain('-> KC-1 denied by bob@example.com: please use the read replica');
    expect(text).toContain('[DM → alice@example.com] KC-1 was denied by bob@example.com: please use the read replica');
    expect(text).toContain('-> Usage: sleep <duration>');
    expect(text).toContain('-> Unknown resource "frobnicate"');
    expect(text).toContain('-> KC-99 does not exist.');
    expect(text).toContain('-> Console commands:');
    expect(text).toContain('/access <resource> [duration] [level] <reason…>');
    expect(h.provider.calls).toEqual([]);
  });

  it('threads an incident, prints anomaly DMs with their typed buttons, and acknowledges with ack', async () => {
    h = await createHarness('pglite');
    const out: string[] = [];
    h.deps.chat = createConsoleChat({ write: (l) => out.push(l), clock: h.clock });
    const run = async (lines: string[]) => {
      async function* input() {
        yield* lines;
      }
      await runConsoleSession({ deps: h.deps, lines: input(), write: (l) => out.push(l), echo: true, sleep: async () => {} });
    };
    await run(['as alice@example.com', '/access demo-db 15m write fix stuck order INC-4211', 'as bob@example.com', 'approve KC-1']);
    await recordActivity(h.deps, { at: h.clock.now(), source: 'ingest', grantRef: 'KC-1', statement: 'DELETE FROM orders' });
    await run(['as dave@example.com', 'ack KC-1 destructive-sql', 'ack KC-1', 'ack nonsense', 'revoke KC-1 deleted without a WHERE']);
    const text = out.join('\n');

    expect(text.match(/\[#inc-4211\] Production access for INC-4211/g)).toHaveLength(1);
    expect(text).toMatch(/\[#inc-4211 › INC-4211\] KC-1: alice@example.com requested demo-db \(write\) for 15m/);
    expect(text).toContain('[#inc-4211 › INC-4211] KC-1: Approved by bob@example.com · granting access');
    expect(text).toContain('[#inc-4211 › INC-4211] KC-1: ANOMALY (high) DELETE without WHERE: DELETE FROM orders');
    expect(text).toContain('[#inc-4211 › INC-4211] KC-1: Revoked by dave@example.com · access removed');

    expect(text).toMatch(/\[DM → alice@example\.com\] HIGH activity on KC-1 at 10:00:00: DELETE without WHERE: DELETE FROM orders/);
    expect(text).toContain('[Acknowledge] [Extend 15m]  → type: ack KC-1 destructive-sql  |  extend KC-1 15m');
    expect(text).toMatch(/\[DM → dave@example\.com\] HIGH activity on KC-1/);
    expect(text).toContain('[Revoke now] [Acknowledge]  → type: revoke KC-1 <reason>  |  ack KC-1 destructive-sql');

    expect(text).toContain("-> Acknowledged KC-1's destructive-sql alert; recorded in the audit log.");
    expect(text).toContain("-> Acknowledged KC-1's alert; recorded in the audit log.");
    expect(text).toContain('-> Usage: ack KC-12 [detector]');
    expect(text).toMatch(/-> KC-1 revoked by dave@example\.com/);
    const acks = (await h.deps.store.readAudit({})).filter((e) => e.action === 'anomaly.acknowledged');
    expect(acks.map((e) => [e.actor, e.details.detector])).toEqual([
      ['dave@example.com', 'destructive-sql'],
      ['dave@example.com', 'all'],
    ]);
  });
});
