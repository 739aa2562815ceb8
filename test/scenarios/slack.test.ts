import { expect, it } from 'vitest';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import type { Driver } from './driver.js';
import { startSlackDriver } from './drivers/slack.js';
import { scenarioSuite } from './stories.js';
import {
  eventually,
  HIDDEN_MEMBERS_INCIDENT,
  INCIDENT,
  ON_CALL_INCIDENT,
  P,
  SLACK_INCIDENT_CHANNEL,
  SLACK_ON_CALL_INCIDENT_CHANNEL,
  SLACK_SQUATTED_CHANNELS,
  SQUATTED_INCIDENT,
} from './world.js';

// On real Postgres when the test server is there (CI); the console and Teams drivers cover PGlite.
const onPostgres = hasTestPostgres();

async function start() {
  const database = onPostgres ? await freshPostgresDatabase() : undefined;
  const started = await startSlackDriver(database ? { databaseUrl: database.url } : {});
  const close = started.driver.close;
  started.driver.close = async () => {
    await close();
    await database?.dispose();
  };
  return started;
}

/** Finds, among what the driver sees from now on, the approval card of a person's request (waiting for it). */
function approvalCardsAfter(d: Driver) {
  const from = d.seen().length;
  return (who: { email: string }) =>
    eventually(() => {
      const found = d
        .seen()
        .slice(from)
        .find((m) => m.to === 'channel:approvals' && !m.update && m.text.includes(who.email) && m.buttons.includes('Approve'));
      if (!found) throw new Error(`no card for ${who.email} yet`);
      return found;
    });
}

scenarioSuite(`Slack (keycard start over HTTP, fake Slack Web API, ${onPostgres ? 'Postgres' : 'PGlite'})`, start, {
  extra: (started) => {
    it("an incident key counts only for members of the incident's channel (conversations.members, paged)", async () => {
      const { driver: d, api } = started();
      api.setMembers(SLACK_INCIDENT_CHANNEL.id, [P.bob.slack, P.kim.slack, P.erin.slack]);
      const cardFor = approvalCardsAfter(d);
      await d.say(P.kim, `orders-db 30m read checking the ${INCIDENT} backlog`, 'dm');
      const member = await cardFor(P.kim);
      expect(member.text).not.toMatch(/not one of its responders|not known to be responding/);
      await d.say(P.ivan, `orders-db 30m read checking the ${INCIDENT} backlog`, 'dm');
      const outsider = await cardFor(P.ivan);
      expect(outsider.text).toContain(`+10 cites ${INCIDENT} but is not one of its responders`);
      // Read through every page (one member a page here): kim is the second member.
      const listed = api.calls.filter((c) => c.method === 'conversations.members' && c.args.channel === SLACK_INCIDENT_CHANNEL.id);
      expect(listed.some((c) => c.args.cursor)).toBe(true);
    });

    it('a squatted incident channel is ignored: only channels the incident tool created thread requests or make responders', async () => {
      const { driver: d, api, sayIn } = started();
      // ivan created #inc-4300 before the incident tool made #inc-4300-orders, and sits in it alone.
      api.setMembers(SLACK_SQUATTED_CHANNELS.squatted.id, [P.ivan.slack]);
      api.setMembers(SLACK_SQUATTED_CHANNELS.real.id, [P.bob.slack, P.kim.slack]);
      const cardFor = approvalCardsAfter(d);
      // (write: their read requests of orders-db from the INC-4211 story may still be pending)
      // He types the request in his own #inc-4300, the first request about the incident: it is linked to
      // INC-4300, but the thread opens in the incident tool's channel and his membership counts for nothing.
      await sayIn(P.ivan, `orders-db 30m write fixing the backlog`, SLACK_SQUATTED_CHANNELS.squatted);
      expect((await cardFor(P.ivan)).text).toContain(`+10 cites ${SQUATTED_INCIDENT} but is not one of its responders`);
      await d.say(P.kim, `orders-db 30m write fixing the ${SQUATTED_INCIDENT} backlog`, 'dm');
      expect((await cardFor(P.kim)).text).not.toMatch(/not one of its responders|not known to be responding/);
      // Both requests are threaded into the incident tool's channel; nothing goes to the squatted one, whose members were never read.
      await eventually(() => {
        const roots = api.calls.filter(
          (c) => c.method === 'chat.postMessage' && c.args.channel === SLACK_SQUATTED_CHANNELS.real.id && !c.args.thread_ts,
        );
        expect(roots.map((c) => String(c.args.text))).toEqual([`Production access for ${SQUATTED_INCIDENT}`]);
      });
      const touched = api.calls.filter((c) => c.args.channel === SLACK_SQUATTED_CHANNELS.squatted.id);
      expect(touched).toEqual([]);
    });

    it('an incident key no source knows buys nothing, not even on-call relief; one Slack knows still counts', async () => {
      const { driver: d, api, pagerDuty } = started();
      const cardFor = approvalCardsAfter(d);
      // lena is on call and in #inc-4400: her critical request for INC-4400 is relieved one tier, to high. Slack's
      // yes outweighs PagerDuty, which has no incident #4400.
      api.setMembers(SLACK_ON_CALL_INCIDENT_CHANNEL.id, [P.bob.slack, P.lena.slack]);
      await d.say(P.lena, `vault 15m admin rotating the token for ${ON_CALL_INCIDENT}`, 'dm');
      const relieved = await cardFor(P.lena);
      expect(relieved.text).toContain(`on call for ${ON_CALL_INCIDENT}: routed as high instead of critical`);
      // (denied, so that her next vault request is not refused as a duplicate of an open one)
      await d.click(P.carol, relieved, 'Deny', { reason: 'done by the morning shift' });
      await eventually(() => {
        if (!d.seen().some((m) => m.to === `dm:${P.lena.email}` && m.text.includes('done by the morning shift')))
          throw new Error('not denied yet');
      });
      // INC-4999: no channel in Slack (which cannot tell an invented key from a channel it cannot see) and no
      // incident #4999 in PagerDuty. Her medium request waits for an approver instead of being relieved to low.
      const nextCardFor = approvalCardsAfter(d);
      await d.say(P.lena, 'orders-db 30m read checking the INC-4999 backlog', 'dm');
      const card = await nextCardFor(P.lena);
      expect(card.text).toContain('+5 cites INC-4999, which names no incident open then');
      expect(card.text).not.toMatch(/routed as low/);
      expect(pagerDuty.calls.some((c) => c.startsWith('GET /incidents/4999?'))).toBe(true);
      // INC-4500's channel exists but its members cannot be listed: the incident is real, so PagerDuty's "none"
      // does not make it invented, and being on call counts (discount and relief).
      const lastCardFor = approvalCardsAfter(d);
      await d.say(P.lena, `vault 15m admin rotating the token for ${HIDDEN_MEMBERS_INCIDENT}`, 'dm');
      const hidden = await lastCardFor(P.lena);
      expect(hidden.text).toContain(`on call for ${HIDDEN_MEMBERS_INCIDENT}: routed as high instead of critical`);
      expect(hidden.text).not.toContain('names no incident');
    });

    it('a rate-limited card update is retried after Retry-After, not lost', async () => {
      const { driver: d, api } = started();
      // Hana's card: an earlier story's card can still be edited meanwhile (its incident thread link).
      const cardFor = approvalCardsAfter(d);
      await d.say(P.hana, 'orders-db 30m write checking the rate limit');
      const card = await cardFor(P.hana);
      api.failNext('chat.update', { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } });
      const clickedAt = Date.now();
      await d.click(P.bob, card, 'Approve');
      const ok = (c: (typeof api.calls)[number]) => (c.result as { ok: boolean }).ok;
      const { limited, retried } = await eventually(() => {
        const list = api.calls.filter((c) => c.method === 'chat.update' && c.at >= clickedAt);
        expect(list.some((c) => ok(c) && JSON.stringify(c.args.blocks).includes('active until'))).toBe(true);
        // The limited call may be another story's card being updated meanwhile: whichever it was, it is retried.
        const limited = list.find((c) => !ok(c));
        expect(limited).toBeDefined();
        const retried = list.find(
          (c) => c.at > limited!.at && ok(c) && c.args.ts === limited!.args.ts && c.args.channel === limited!.args.channel,
        );
        expect(retried).toBeDefined();
        return { limited: limited!, retried: retried! };
      });
      expect((limited.result as { error: string }).error).toBe('ratelimited');
      expect(retried.at - limited.at).toBeGreaterThanOrEqual(950);
    });

    it.runIf(onPostgres)('two Keycard processes on one database: a card posted by one is approved through the other', async () => {
      const { driver: d, addReplica } = started();
      const from = d.seen().length;
      await d.say(P.hana, 'orders-db 30m read two replicas share one database');
      const card = await eventually(() => {
        const found = d
          .seen()
          .slice(from)
          .find((m) => m.to === 'channel:approvals' && m.buttons.includes('Approve'));
        if (!found) throw new Error('no card yet');
        return found;
      });
      const ref = /KC-\d+/.exec(card.text)![0];
      await addReplica();
      await d.click(P.bob, card, 'Approve');
      // The second process found the first one's card (shared state) and updated it in place, once.
      await eventually(() => {
        const updates = d
          .seen()
          .filter((m) => m.update && m.to === 'channel:approvals' && m.text.includes(ref) && /active until/.test(m.text));
        expect(updates.length).toBeGreaterThan(0);
      });
      expect(d.seen().filter((m) => m.to === 'channel:approvals' && !m.update && !m.thread && m.text.includes(ref))).toHaveLength(1);
      await eventually(() =>
        expect(d.seen().some((m) => m.to === 'dm:hana@example.com' && m.text.includes(ref) && m.text.includes('DEMO credential'))).toBe(
          true,
        ),
      );
    });

    it.runIf(onPostgres)(
      'a sentence two people gave through one process is named on the card of a third asking through another',
      async () => {
        const { driver: d, addReplica, api } = started();
        const text = 'reconciling the ledger totals before the quarterly close';
        // Low tier: granted at once, so these only leave their words in the shared database.
        for (const who of [P.alice, P.erin]) {
          const from = d.seen().length;
          await d.say(who, `app-logs 30m read ${text}`);
          await eventually(() =>
            expect(
              d
                .seen()
                .slice(from)
                .some((m) => m.to === `dm:${who.email}` && m.text.includes('DEMO credential')),
            ).toBe(true),
          );
        }
        await addReplica();
        const from = d.seen().length;
        await d.say(P.kim, `vault 30m admin ${text.toUpperCase()}!`);
        const card = await eventually(() => {
          const found = d
            .seen()
            .slice(from)
            .find((m) => m.to === 'channel:critical' && !m.update && m.text.includes(P.kim.email) && m.buttons.includes('Approve'));
          if (!found) throw new Error('no card for kim yet');
          return found;
        });
        expect(card.text).toContain('the same reason was given by 2 other people in the last 90d, never by them');
        // Let this story's own replies land before the next one counts replies.
        const ref = /KC-\d+/.exec(card.text)![0];
        await eventually(() => expect(api.responses.some((r) => String(r.body.text).includes(ref))).toBe(true));
      },
    );

    it('ephemeral replies go to the response_url on SLACK_API_URL’s origin', async () => {
      const { driver: d, api } = started();
      const from = api.responses.length;
      await d.say(P.hana, 'status KC-99999');
      // Only this command's reply: a reply to an earlier story's command may still be arriving.
      const mine = () => api.responses.slice(from).filter((r) => String(r.body.text).includes('KC-99999'));
      await eventually(() => expect(mine().map((r) => r.body.text)).toEqual(['KC-99999 does not exist.']));
      expect(mine()[0]!.body.response_type).toBe('ephemeral');
    });
  },
});
