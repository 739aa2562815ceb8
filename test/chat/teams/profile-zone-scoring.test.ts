import type { Activity } from 'botbuilder';
import { afterEach, describe, expect, it } from 'vitest';
import type { RiskFactor } from '../../../src/core/types.js';
import { activityFrom, cardText, invoke, PEOPLE } from './fixtures.js';
import { attachedCard, createTeamsFlow, invokeBody, type TeamsFlow } from './setup.js';

const { alice } = PEOPLE;
/** Wednesday 20:00 in Berlin (the policy zone, winter time): 11:00 in Los Angeles. */
const BERLIN_EVENING = new Date('2026-11-25T19:00:00Z');
const REQUEST = 'access demo-db 30m read checking replication lag';
const LA_BUSINESS = { id: 'time', points: 0, reason: 'business hours (11:00 America/Los_Angeles, their zone)' };
const BERLIN_OFF_HOURS = 'off-hours (20:00 Europe/Berlin, policy zone)';

/** `localTimezone` as a Teams client sends it, or none at all. */
const zoned = (zone: unknown): Partial<Activity> => (zone === undefined ? {} : ({ localTimezone: zone } as Partial<Activity>));

describe('Teams: off-hours judged on the zone the requester’s Teams client reports (localTimezone)', () => {
  let f: TeamsFlow;
  afterEach(async () => f?.close());

  const timeFactor = async (n: number): Promise<RiskFactor | undefined> =>
    (await f.h.deps.store.getRequestByNumber(n))?.factors.find((x) => x.id === 'time');

  /** Alice types the request in her personal chat; her activity carries `zone` (or none). Returns KC-1's time factor and the reply. */
  async function typed(zone: unknown): Promise<{ factor: RiskFactor | undefined; reply: string }> {
    f = await createTeamsFlow('pglite', { start: BERLIN_EVENING });
    const replies = await f.deliver(activityFrom(alice, { type: 'message', text: REQUEST, ...zoned(zone) }));
    const reply = cardText(attachedCard(replies[0]));
    expect(reply).toContain('KC-1');
    return { factor: await timeFactor(1), reply };
  }

  it('20:00 in Berlin is 11:00 for someone whose Teams client is in Los Angeles: business hours, no points', async () => {
    const { factor, reply } = await typed('America/Los_Angeles');
    expect(factor).toEqual(LA_BUSINESS);
    expect(reply).not.toContain('off-hours');
  });

  it('a client that sends its zone only in the clientInfo entity is judged on that zone', async () => {
    f = await createTeamsFlow('pglite', { start: BERLIN_EVENING });
    const entities = [{ type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'America/Los_Angeles' }];
    const replies = await f.deliver(activityFrom(alice, { type: 'message', text: REQUEST, entities }));
    expect(cardText(attachedCard(replies[0]))).toContain('KC-1');
    expect(await timeFactor(1)).toEqual(LA_BUSINESS);
  });

  it('localTimezone outranks the clientInfo entity when both are sent', async () => {
    f = await createTeamsFlow('pglite', { start: BERLIN_EVENING });
    const entities = [{ type: 'clientInfo', timezone: 'Europe/Berlin' }];
    await f.deliver(activityFrom(alice, { type: 'message', text: REQUEST, entities, ...zoned('America/Los_Angeles') }));
    expect(await timeFactor(1)).toEqual(LA_BUSINESS);
  });

  it('the same request without localTimezone is off-hours in the policy zone', async () => {
    const { factor } = await typed(undefined);
    expect(factor?.reason).toBe(BERLIN_OFF_HOURS);
    expect(factor?.points).toBeGreaterThan(0);
  });

  it.each([['America/Las_Angeles'], [''], [42], [null]])(
    'a localTimezone the runtime does not know (%j) is ignored: the policy zone applies and the person is not refused',
    async (zone) => {
      const { factor } = await typed(zone);
      expect(factor?.reason).toBe(BERLIN_OFF_HOURS);
    },
  );

  it('the request form, submitted by Action.Execute, is scored on the zone that click carries', async () => {
    f = await createTeamsFlow('pglite', { start: BERLIN_EVENING });
    const click = invoke(
      alice,
      'submitRequest',
      { resource: 'demo-db', duration: '30m', level: 'read', reason: 'replication lag' },
      'personal',
    );
    const body = invokeBody(await f.deliver({ ...click, ...zoned('America/Los_Angeles') }));
    expect(cardText(body.value)).toMatch(/KC-1 pending/);
    expect(await timeFactor(1)).toEqual(LA_BUSINESS);
  });

  it('a later activity with an unusable zone forgets the earlier one', async () => {
    f = await createTeamsFlow('pglite', { start: BERLIN_EVENING });
    await f.deliver(activityFrom(alice, { type: 'message', text: REQUEST, ...zoned('America/Los_Angeles') }));
    expect(await timeFactor(1)).toEqual(LA_BUSINESS);
    await f.deliver(
      activityFrom(alice, { type: 'message', text: 'access demo-logs 30m read tailing the lag alerts', ...zoned('Nowhere/Land') }),
    );
    expect((await timeFactor(2))?.reason).toBe(BERLIN_OFF_HOURS);
  });
});
