import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { Reply } from '../../src/core/commands/reply.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

describe.each(storeKinds())('a provider that cannot extend, on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());
  const run = (actor: string, text: string): Promise<Reply> =>
    handleCommand(h.deps, { actor, text, origin: { platform: 'console', user: actor } });
  const req = async (n: number) => (await h.deps.store.getRequestByNumber(n))!;

  it('refuses the extension with the reason and keeps the old expiry (Keycard never moves only its own record)', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    const before = (await req(1)).expiresAt!.getTime();
    h.provider.failExtends(1, 'unsupported');
    await run(ALICE, 'extend KC-1 30m still checking');
    await run(BOB, 'approve KC-2');
    const ext = await req(2);
    expect(ext.status).toBe('failed');
    expect(ext.lastError).toContain('KC-1 cannot be extended at demo-db: this target cannot extend');
    expect(ext.lastError).toContain('Keycard did not move the expiry');
    expect((await req(1)).expiresAt!.getTime()).toBe(before);
    expect((await req(1)).status).toBe('active');
    expect(h.chat.dms(ALICE, 'failed')).toHaveLength(1);
    const actions = (await h.deps.store.readAudit({})).map((e) => e.action);
    expect(actions).toContain('grant.failed');
    expect(actions).not.toContain('grant.extended');
  }, 90_000);

  it('an overlapping request takes the same path: refused, no second credential, old expiry kept', async () => {
    h = await createHarness(kind);
    await run(ALICE, '/access demo-db 15m read checking replication lag INC-42');
    await run(BOB, 'approve KC-1');
    const before = (await req(1)).expiresAt!.getTime();
    h.provider.failExtends(1, 'unsupported');
    await run(ALICE, '/access demo-db 1h read more work on INC-42');
    await run(BOB, 'approve KC-2');
    expect((await req(2)).status).toBe('failed');
    expect((await req(1)).expiresAt!.getTime()).toBe(before);
    expect(h.provider.calls.filter((c) => c.op === 'grant')).toHaveLength(1);
  });
});
