import { afterEach, describe, expect, it } from 'vitest';
import { recordActivity } from '../../../src/core/lifecycle/activity.js';
import { hasTestPostgres } from '../../helpers/db.js';
import { cardText, invoke, PEOPLE, type Person, verbsOf } from './fixtures.js';
import { APPROVAL_CHANNEL, createTeamsFlow, invokeBody, type TeamsFlow } from './setup.js';

// Core's detectors are covered in test/monitor; this suite is about the Teams card and its buttons.
const kind = hasTestPostgres() ? 'pg' : 'pglite';
const { alice, bob, carol } = PEOPLE;
const ALERT = { number: 1, detector: 'destructive-sql' };

describe(`Teams anomaly DMs (${kind})`, () => {
  let f: TeamsFlow;
  afterEach(async () => f?.close());

  /** KC-1: alice's active write grant on demo-db, approved by bob; then an unbounded DELETE during it. */
  async function anomaly(): Promise<void> {
    f = await createTeamsFlow(kind);
    await f.say(alice, 'access demo-db 15m write fix stuck order INC-42');
    await f.deliver(invoke(bob, 'approve', { number: 1 }));
    f.transport.log.splice(0);
    const result = await recordActivity(f.h.deps, {
      at: f.h.clock.now(),
      source: 'ingest',
      grantRef: 'KC-1',
      statement: 'DELETE FROM orders',
    });
    expect(result).toMatchObject({ ok: true, value: { alerted: [{ detector: 'destructive-sql' }] } });
  }
  const dmTo = (person: Person) =>
    f.transport.log.filter(
      (d) => d.op === 'send' && d.conversationId === `a:dm-${person.aadObjectId}` && d.message?.text.includes('activity on KC-1'),
    );
  /** A click on the anomaly card in someone's chat; `card` is the clicked message's id (the invoke's replyToId). */
  const click = async (person: Person, verb: string, card: string | undefined) =>
    invokeBody(await f.deliver({ ...invoke(person, verb, ALERT, 'personal'), ...(card ? { replyToId: card } : {}) }));
  const audit = async (action: string) => (await f.h.deps.store.readAudit({})).filter((e) => e.action === action);

  it('DMs the requester and the approver a card saying what happened, on which grant, with their own buttons', async () => {
    await anomaly();
    const [toAlice] = dmTo(alice);
    const [toBob] = dmTo(bob);
    expect(toAlice?.message?.text).toBe('HIGH activity on KC-1: DELETE without WHERE: DELETE FROM orders');
    const text = cardText(toAlice?.message?.card);
    for (const fact of ['HIGH activity on KC-1', 'KC-1 · demo-db (write)', 'alice@example.com', '(medium)', 'destructive-sql', '10:00']) {
      expect(text).toContain(fact);
    }
    expect(text).not.toContain('revoked KC-1 automatically');
    expect(verbsOf(toAlice?.message?.card)).toEqual(['anomalyAck', 'anomalyExtend']);
    expect(cardText(toAlice?.message?.card)).toContain('Extend 15m');
    expect(verbsOf(toBob?.message?.card)).toEqual(['anomalyRevoke', 'anomalyAck']);
    // Buttons carry only the request number and the detector.
    const data = JSON.stringify(toBob?.message?.card).match(/"data":\{[^}]*\}/g) ?? [];
    expect(new Set(data)).toEqual(
      new Set([
        '"data":{"kc":"anomalyRevoke","number":1,"detector":"destructive-sql"}',
        '"data":{"kc":"anomalyAck","number":1,"detector":"destructive-sql"}',
      ]),
    );
  });

  it('revokes when an approver clicks Revoke now, refuses the requester in the invoke response, and acts once', async () => {
    await anomaly();
    const aliceCard = dmTo(alice)[0]?.activityId;
    const bobCard = dmTo(bob)[0]?.activityId;
    const refused = await click(alice, 'anomalyRevoke', aliceCard);
    expect(refused).toMatchObject({
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringContaining("Only KC-1's approvers"),
    });
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('active');

    const done = await click(bob, 'anomalyRevoke', bobCard);
    expect(done.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(done.value)).toContain('KC-1 revoked by bob@example.com');
    expect(verbsOf(done.value)).toEqual([]);
    expect((await f.h.deps.store.getRequestByNumber(1))?.status).toBe('revoked');
    expect(f.h.provider.calls.filter((c) => c.op === 'revoke')).toHaveLength(1);
    // The approval card in the tier channel is updated too.
    const cardUpdate = f.transport.log.filter((d) => d.op === 'update' && d.conversationId === APPROVAL_CHANNEL).at(-1);
    expect(cardText(cardUpdate?.message?.card)).toContain('revoked by bob@example.com');
    expect((await audit('grant.revoking')).map((e) => e.details.note)).toEqual(['anomaly alert: destructive-sql']);

    // The same button clicked again (a new invoke for the same card, e.g. on another replica): no second revoke.
    const again = await click(bob, 'anomalyRevoke', bobCard);
    expect(again).toMatchObject({ value: 'This KC-1 alert was already handled.' });
    expect(f.h.provider.calls.filter((c) => c.op === 'revoke')).toHaveLength(1);
  });

  it('audits Acknowledge once, refuses outsiders, and Extend asks for the suggested extension', async () => {
    await anomaly();
    const bobCard = dmTo(bob)[0]?.activityId;
    const acked = await click(bob, 'anomalyAck', bobCard);
    expect(cardText(acked.value)).toContain('Acknowledged by bob@example.com');
    expect(await click(bob, 'anomalyAck', bobCard)).toMatchObject({ value: 'This KC-1 alert was already handled.' });
    expect((await audit('anomaly.acknowledged')).map((e) => [e.actor, e.details.detector])).toEqual([
      ['bob@example.com', 'destructive-sql'],
    ]);

    const outsider = await click(carol, 'anomalyAck', 'some-other-card');
    expect(outsider.value).toEqual(expect.stringContaining('can acknowledge'));

    const extended = await click(alice, 'anomalyExtend', dmTo(alice)[0]?.activityId);
    expect(cardText(extended.value)).toContain('KC-2');
    expect(await f.h.deps.store.getRequestByNumber(2)).toMatchObject({ kind: 'extension', durationMs: 15 * 60_000 });
  });
});
