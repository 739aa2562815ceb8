import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import type { RiskFactor } from '../../../src/core/types.js';
import { slashCommand } from './helpers/payloads.js';
import { createSlackFixture, type SlackFixture, U } from './helpers/slack-fixture.js';
import { eventually } from './helpers/wait.js';

/** Wednesday 20:00 in Berlin (the policy zone, winter time): 11:00 in Los Angeles. */
const BERLIN_EVENING = new Date('2026-11-25T19:00:00Z');
/** Wednesday 12:00 in Berlin: 20:00 in Tokyo. */
const BERLIN_NOON = new Date('2026-11-25T11:00:00Z');

describe('Slack: off-hours judged on the requester’s Slack profile zone (users.info tz), through the HTTP receiver', () => {
  let f: SlackFixture;
  afterEach(async () => {
    await f?.close();
    expect(nock.pendingMocks()).toEqual([]);
  });

  /** Alice asks by slash command at `at`; her users.info carries `tz` (or none). Returns KC-1's time factor and its card text. */
  async function timeFactor(at: Date, tz: string | undefined): Promise<{ factor: RiskFactor; card: string }> {
    f = await createSlackFixture('pglite', { start: at });
    f.slack.failNext('users.info', {
      status: 200,
      body: {
        ok: true,
        user: { id: U.alice.id, deleted: false, is_bot: false, profile: { email: U.alice.email }, ...(tz ? { tz } : {}) },
      },
    });
    expect((await f.signed(slashCommand(U.alice.id, 'demo-db 30m read checking replication lag'))).status).toBe(200);
    const request = await eventually(async () => {
      const found = await f.h.deps.store.getRequestByNumber(1);
      expect(found).toBeDefined();
      return found!;
    });
    expect(f.slack.called('users.info').map((c) => c.args.user)).toEqual([U.alice.id]);
    const factor = request.factors.find((x) => x.id === 'time');
    expect(factor).toBeDefined();
    const posted = await eventually(() => {
      const call = f.slack.called('chat.postMessage').find((c) => f.slack.textOf(c).includes('KC-1'));
      expect(call).toBeDefined();
      return call!;
    });
    return { factor: factor!, card: f.slack.textOf(posted) };
  }

  it('20:00 in Berlin is 11:00 for someone whose Slack profile is in Los Angeles: business hours, no points', async () => {
    const { factor, card } = await timeFactor(BERLIN_EVENING, 'America/Los_Angeles');
    expect(factor).toEqual({ id: 'time', points: 0, reason: 'business hours (11:00 America/Los_Angeles, their zone)' });
    // The card lists the factors that add points: approvers see no off-hours flag.
    expect(card).not.toContain('off-hours');
  });

  it('the same request with no tz in the profile is off-hours in the policy zone', async () => {
    const { factor, card } = await timeFactor(BERLIN_EVENING, undefined);
    expect(factor.reason).toBe('off-hours (20:00 Europe/Berlin, policy zone)');
    expect(factor.points).toBeGreaterThan(0);
    expect(card).toContain('off-hours (20:00 Europe/Berlin, policy zone)');
  });

  it('a tz the runtime does not know is ignored: the policy zone applies and the person is not refused', async () => {
    const { factor } = await timeFactor(BERLIN_EVENING, 'America/Las_Angeles');
    expect(factor.reason).toBe('off-hours (20:00 Europe/Berlin, policy zone)');
  });

  it('noon in Berlin is 20:00 for someone in Tokyo: off-hours on their clock, business hours without the tz', async () => {
    const tokyo = await timeFactor(BERLIN_NOON, 'Asia/Tokyo');
    expect(tokyo.factor.reason).toBe('off-hours (20:00 Asia/Tokyo, their zone)');
    expect(tokyo.factor.points).toBeGreaterThan(0);
    expect(tokyo.card).toContain('off-hours (20:00 Asia/Tokyo, their zone)');
    await f.close();
    const none = await timeFactor(BERLIN_NOON, undefined);
    expect(none.factor).toEqual({ id: 'time', points: 0, reason: 'business hours (12:00 Europe/Berlin, policy zone)' });
  });
});
