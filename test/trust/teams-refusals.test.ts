import { afterEach, describe, expect, it } from 'vitest';
import { DENY_REASON_INPUT } from '../../src/chat/teams/cards/approval-card.js';
import type { Directory } from '../../src/core/ports/directory.js';
import type { AuditEvent } from '../../src/core/types.js';
import { invoke, PEOPLE } from '../chat/teams/fixtures.js';
import { createTeamsFlow, invokeBody, type TeamsFlow } from '../chat/teams/setup.js';

/** Someone in the tenant who is in no team the bot knows: the connector cannot name them. */
const MALLORY = { id: '29:mallory', aadObjectId: 'aad-mallory', email: 'mallory@example.com' };
const HOUR = 60 * 60_000;

/** A configured directory (as SCIM or Entra would fill it): Bob (an approver) has been deactivated, Erin is not in it. */
function directoryWithLeaver(): Directory {
  const people = new Map([
    ['alice@example.com', { email: 'alice@example.com', active: true }],
    ['bob@example.com', { email: 'bob@example.com', active: false }],
  ]);
  return {
    configured: true,
    person: (email) => people.get(email),
    lookup: async (email) => {
      const person = people.get(email);
      return person ? { status: 'found', person } : { status: 'unknown' };
    },
    emailOfObjectId: () => undefined,
  };
}

/**
 * Refusals on Teams, through the real bot (botbuilder TestAdapter): clicks from a Teams user Keycard
 * cannot map to a person, from a person the directory does not know or has deactivated, on a decided
 * card and on an expired card. Each leaves exactly one audit record saying who, what and why, and
 * changes nothing.
 */
describe('Teams refusals are audited (who, what, why)', () => {
  let f: TeamsFlow | undefined;
  afterEach(async () => f?.close());

  const start = async () => {
    f = await createTeamsFlow('pglite');
    // A first-time read of demo-db scores medium in the fixture policy: one sre approval (Bob or Erin), a 1 h approval TTL.
    await f.say(PEOPLE.alice, 'access demo-db 15m read checking replication lag INC-42');
    const request = await f.h.deps.store.getRequestByNumber(1);
    expect(request?.status).toBe('pending');
    return f;
  };
  const click = async (flow: TeamsFlow, who: { id: string; aadObjectId: string; email: string }, verb: string, extra = {}) =>
    invokeBody(await flow.deliver(invoke(who as (typeof PEOPLE)['alice'], verb, { number: 1, ...extra })));
  const refusals = async (flow: TeamsFlow): Promise<AuditEvent[]> =>
    (await flow.h.deps.store.readAudit({})).filter((e) => e.action.endsWith('.refused'));
  const approvals = async (flow: TeamsFlow) => (await flow.h.deps.store.readAudit({})).filter((e) => e.action === 'approval.recorded');

  it('a click from a Teams user Keycard cannot map to a person: refused, one audit record with their ids', async () => {
    const flow = await start();
    const answer = await click(flow, MALLORY, 'approve');
    expect(String(answer.value)).toMatch(/Keycard/);
    const audited = await refusals(flow);
    expect(audited.map((e) => [e.action, e.actor, e.details.code, e.details.platform, e.details.userId])).toEqual([
      ['identify.refused', 'teams:aad-mallory', 'unknown_user', 'teams', MALLORY.id],
    ]);
    expect(String(audited[0]!.details.message)).not.toBe('');
    expect(await approvals(flow)).toEqual([]);
    expect((await flow.h.deps.store.getRequestByNumber(1))?.status).toBe('pending');
  });

  it('a click from a person the directory does not know, and from a deactivated one: refused, one audit record each', async () => {
    const flow = await start();
    flow.h.deps.directory = directoryWithLeaver();
    const unknown = await click(flow, PEOPLE.erin, 'approve');
    const deactivated = await click(flow, PEOPLE.bob, 'approve');
    expect(String(unknown.value)).toContain('cannot match your chat account (erin@example.com)');
    expect(String(deactivated.value)).toContain('no longer active');
    const audited = await refusals(flow);
    expect(audited.map((e) => [e.action, e.actor, e.details.code, e.details.attempted])).toEqual([
      ['identity.refused', 'erin@example.com', 'unknown_person', 'approve'],
      ['identity.refused', 'bob@example.com', 'person_left', 'approve'],
    ]);
    expect(await approvals(flow)).toEqual([]);
    expect((await flow.h.deps.store.getRequestByNumber(1))?.status).toBe('pending');
  });

  it('a click on a decided card (approve again, then deny): refused, one audit record each, the decision stands', async () => {
    const flow = await start();
    expect((await click(flow, PEOPLE.bob, 'approve')).statusCode).toBe(200);
    const decided = (await flow.h.deps.store.getRequestByNumber(1))?.status;
    expect(decided).not.toBe('pending');
    await click(flow, PEOPLE.bob, 'approve');
    await click(flow, PEOPLE.bob, 'deny', { [DENY_REASON_INPUT]: 'changed my mind' });
    const audited = await refusals(flow);
    expect(audited.map((e) => [e.action, e.actor, e.details.ref, e.details.code, e.details.operation ?? e.details.decision])).toEqual([
      ['approval.refused', 'bob@example.com', 'KC-1', 'not_pending', 'approve'],
      ['approval.refused', 'bob@example.com', 'KC-1', 'not_pending', 'deny'],
    ]);
    for (const event of audited) expect(String(event.details.message)).not.toBe('');
    expect(await approvals(flow)).toHaveLength(1);
  });

  it('a click on an expired card (past the approval TTL, before any sweep): refused, one audit record, no approval', async () => {
    const flow = await start();
    flow.h.clock.advance(2 * HOUR);
    const answer = await click(flow, PEOPLE.bob, 'approve');
    expect(answer.statusCode).toBe(200);
    const audited = await refusals(flow);
    expect(audited.map((e) => [e.action, e.actor, e.details.ref, e.details.code, e.details.operation ?? e.details.decision])).toEqual([
      ['approval.refused', 'bob@example.com', 'KC-1', 'approval_expired', 'approve'],
    ]);
    expect(await approvals(flow)).toEqual([]);
  });
});
