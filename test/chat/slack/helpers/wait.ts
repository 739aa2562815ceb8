import { expect, vi } from 'vitest';
import type { RequestStatus } from '../../../../src/core/types.js';
import type { SlackCall } from './fake-slack.js';
import type { SlackFixture } from './slack-fixture.js';

/** vi.waitFor with room for a loaded CI machine (PGlite under two workers); polls often so fast runs stay fast. */
export function eventually<T>(check: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(check, { timeout: 10_000, interval: 10 });
}

export async function waitForStatus(f: Pick<SlackFixture, 'h'>, number: number, status: RequestStatus): Promise<void> {
  await eventually(async () => expect((await f.h.deps.store.getRequestByNumber(number))?.status).toBe(status));
}

/** Where KC-<number>'s card was posted, as the adapter stored it. */
export async function cardOf(f: Pick<SlackFixture, 'h'>, number: number): Promise<{ channel: string; ts: string }> {
  return eventually(async () => {
    const request = await f.h.deps.store.getRequestByNumber(number);
    const ref = request ? await f.h.deps.store.state.get('slack:card', request.id) : undefined;
    expect(ref).toBeDefined();
    return ref as { channel: string; ts: string };
  });
}

/** Waits until `count` calls of `method` (matching `where`) were made, and returns them. */
export async function waitForCalls(
  f: SlackFixture,
  method: string,
  count: number,
  where: (call: SlackCall) => boolean = () => true,
): Promise<SlackCall[]> {
  return eventually(() => {
    const calls = f.slack.called(method).filter(where);
    expect(calls.length).toBeGreaterThanOrEqual(count);
    return calls;
  });
}

/** Waits for the n-th message posted to a response_url. */
export async function waitForResponses(f: SlackFixture, count: number): Promise<SlackFixture['slack']['responses']> {
  return eventually(() => {
    expect(f.slack.responses.length).toBeGreaterThanOrEqual(count);
    return f.slack.responses;
  });
}

/** Action ids of every button in a call's blocks. */
export function buttonsOf(call: SlackCall): Array<{ action_id: string; value: string }> {
  const blocks = (call.args.blocks ?? []) as Array<{
    type: string;
    elements?: Array<{ action_id?: string; value?: string }>;
    accessory?: { action_id?: string; value?: string };
  }>;
  return blocks
    .flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])])
    .filter((e): e is { action_id: string; value: string } => typeof e.action_id === 'string');
}
