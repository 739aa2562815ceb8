import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Driver, hasButton, type Seen } from './driver.js';
import { eventually, INCIDENT, P, type Person, postActivity, type WebhookTarget } from './world.js';

/**
 * The user stories, written once. Each driver starts its platform's server once (`keycard start`, or
 * the console) and every story runs against it in order, so request numbers grow across stories and
 * each story reads its own from what the platform received.
 */

export interface Started {
  driver: Driver;
  webhook: WebhookTarget;
}

const describeSeen = (list: Seen[]) =>
  list
    .map((m) => `  [${m.to}${m.thread ? ' thread' : ''}${m.update ? ' update' : ''}] ${m.text.slice(0, 160)} {${m.buttons.join('|')}}`)
    .join('\n');

/** Waits for the newest message (from index `from` on) that matches; fails listing what was delivered. */
async function waitSeen(d: Driver, what: string, match: (m: Seen) => boolean, from = 0, timeoutMs = 15_000): Promise<Seen> {
  try {
    return await eventually(() => {
      const found = d.seen().slice(from).filter(match).at(-1);
      if (!found) throw new Error('not yet');
      return found;
    }, timeoutMs);
  } catch {
    throw new Error(`${d.name}: never saw ${what}; delivered since #${from}:\n${describeSeen(d.seen().slice(from))}`);
  }
}

const to = (where: string) => (m: Seen) => m.to === where;
const text = (pattern: RegExp | string) => (m: Seen) => (typeof pattern === 'string' ? m.text.includes(pattern) : pattern.test(m.text));
const all =
  (...checks: Array<(m: Seen) => boolean>) =>
  (m: Seen) =>
    checks.every((check) => check(m));
const dm = (p: Person) => to(`dm:${p.email}`);
const reply = (p: Person) => to(`reply:${p.email}`);
const root = (m: Seen) => !m.thread;

/** The request number in the first reply to `who` after `from` that names one. */
async function refAfter(d: Driver, who: Person, from: number): Promise<string> {
  const answer = await waitSeen(d, `a reply to ${who.email} naming a request`, all(reply(who), text(/KC-\d+/)), from);
  return /KC-\d+/.exec(answer.text)![0];
}

/** The newest state of a request's approval card in a tier channel. */
const card = (d: Driver, ref: string, channel: 'approvals' | 'critical', state: RegExp | string, from = 0) =>
  waitSeen(d, `${ref}'s card in #${channel} saying ${state}`, all(to(`channel:${channel}`), root, text(ref), text(state)), from);

const pendingCard = (d: Driver, ref: string, channel: 'approvals' | 'critical' = 'approvals', from = 0) =>
  waitSeen(
    d,
    `${ref}'s card with Approve/Deny`,
    all(to(`channel:${channel}`), root, text(ref), (m) => hasButton(m, 'Approve')),
    from,
  );

const incidentLine = (d: Driver, ref: string, pattern: RegExp | string, from = 0) =>
  waitSeen(
    d,
    `"${String(pattern)}" for ${ref} in the incident thread`,
    all(to('incident'), (m) => m.thread, text(ref), text(pattern)),
    from,
  );

/** Registers the shared stories against one driver; `start` boots the platform's server once. */
export function scenarioSuite<S extends Started>(
  name: string,
  start: () => Promise<S>,
  options: {
    timeoutMs?: number /** Platform-only stories, run on the same started server after the shared ones. */;
    extra?: (started: () => S) => void;
  } = {},
): void {
  describe(`scenarios on ${name}`, { timeout: options.timeoutMs ?? 60_000 }, () => {
    let d: Driver;
    let webhook: WebhookTarget;
    let started: S;
    beforeAll(async () => {
      started = await start();
      ({ driver: d, webhook } = started);
    }, 120_000);
    afterAll(async () => {
      await d?.close();
      await webhook?.close();
    });

    it('help: says what Keycard does and how to ask', async () => {
      const from = d.seen().length;
      await d.say(P.hana, 'help');
      await waitSeen(d, 'the help text', all(reply(P.hana), text('/access <resource> [duration] [level] <reason')), from);
    });

    it('one-line request → card in the tier channel → approve → card active, thread line, credential DM', async () => {
      const from = d.seen().length;
      await d.say(P.alice, 'orders-db 30m read checking replication lag');
      const ref = await refAfter(d, P.alice, from);
      const pending = await pendingCard(d, ref, 'approvals', from);
      expect(pending.text).toContain('alice@example.com');
      expect(pending.buttons.map((b) => b.split(' ')[0])).toEqual(expect.arrayContaining(['Approve', 'Deny']));
      await d.click(P.bob, pending, 'Approve');
      const active = await card(d, ref, 'approvals', /active until/, from);
      expect(hasButton(active, 'Approve')).toBe(false);
      await waitSeen(
        d,
        'the approval in the card thread',
        all(to('channel:approvals'), (m) => m.thread, text('Approved by bob@example.com')),
        from,
      );
      await waitSeen(d, 'the credential DM', all(dm(P.alice), text(ref), text('DEMO credential')), from);
    });

    it('list: shows the requester’s own requests', async () => {
      const from = d.seen().length;
      await d.say(P.alice, 'list');
      await waitSeen(d, 'the list', all(reply(P.alice), text(/KC-\d+/), text('orders-db')), from);
    });

    it('deny with a reason: the card says so and the requester is told why', async () => {
      const from = d.seen().length;
      await d.say(P.frank, 'orders-db 30m write rotate the orders keys');
      const ref = await refAfter(d, P.frank, from);
      await d.click(P.bob, await pendingCard(d, ref, 'approvals', from), 'Deny', { reason: 'use the read replica' });
      await card(d, ref, 'approvals', 'denied by bob@example.com', from);
      await waitSeen(d, 'the denial DM', all(dm(P.frank), text(ref), text('use the read replica')), from);
    });

    it('self-approval is refused and changes nothing', async () => {
      const from = d.seen().length;
      await d.say(P.erin, 'orders-db 30m read erin checks her own dashboards');
      const ref = await refAfter(d, P.erin, from);
      const pending = await pendingCard(d, ref, 'approvals', from);
      const beforeClick = d.seen().length;
      await d.click(P.erin, pending, 'Approve');
      await waitSeen(d, 'the refusal', all(reply(P.erin), text(`You cannot approve your own request ${ref}`)), beforeClick);
      expect(
        d
          .seen()
          .slice(beforeClick)
          .filter(all(root, text(ref), text(/active until|approved/))),
      ).toEqual([]);
    });

    it('two-of-two: the critical tier needs db-owners and security', async () => {
      const from = d.seen().length;
      await d.say(P.grace, 'vault 15m admin rotate the root token');
      const ref = await refAfter(d, P.grace, from);
      const first = await pendingCard(d, ref, 'critical', from);
      await d.click(P.carol, first, 'Approve');
      const half = await card(d, ref, 'critical', /1 of 2 approvals/, d.seen().indexOf(first) + 1);
      await d.click(P.dave, hasButton(half, 'Approve') ? half : first, 'Approve');
      await card(d, ref, 'critical', /active until/, from);
      await waitSeen(d, 'the credential DM', all(dm(P.grace), text(ref), text('DEMO credential')), from);
    });

    it('auto-approved low tier: credential at once, no approval card', async () => {
      const from = d.seen().length;
      await d.say(P.hana, 'app-logs 10m read tail the error log');
      const ref = await refAfter(d, P.hana, from);
      await waitSeen(d, 'the credential DM', all(dm(P.hana), text(ref), text('DEMO credential')), from);
      expect(d.seen().filter(all((m) => m.to.startsWith('channel:'), text(ref)))).toEqual([]);
    });

    it('form request: the form submits a request that gets its card', async () => {
      const from = d.seen().length;
      await d.form(P.frank, { resource: 'orders-db', duration: '20m', level: 'read', reason: 'requested through the form' });
      const pending = await waitSeen(
        d,
        'the card of the form request',
        all(to('channel:approvals'), root, text('frank@example.com'), text('requested through the form'), (m) => hasButton(m, 'Approve')),
        from,
      );
      expect(pending.text).toMatch(/orders-db/);
    });

    it('expiry notice: Extend asks for more time, I’m done releases the grant', async () => {
      const from = d.seen().length;
      await d.say(P.ivan, 'orders-db 18s write short fix');
      const ref = await refAfter(d, P.ivan, from);
      await d.click(P.bob, await pendingCard(d, ref, 'approvals', from), 'Approve');
      const notice = await waitSeen(
        d,
        'the expiry notice',
        all(dm(P.ivan), text(ref), (m) => hasButton(m, 'Extend') && hasButton(m, 'I')),
        from,
      );
      await d.click(P.ivan, notice, 'Extend');
      const extension = await waitSeen(
        d,
        'the extension’s card',
        all(to('channel:approvals'), root, text(`extension of ${ref}`), (m) => hasButton(m, 'Approve')),
        from,
      );
      await d.click(P.bob, extension, 'Approve');
      await waitSeen(
        d,
        'the extension in the card thread',
        all(to('channel:approvals'), (m) => m.thread, text('Extended by')),
        from,
      );
      const again = await waitSeen(
        d,
        'a notice with I’m done',
        all(dm(P.ivan), text(ref), (m) => hasButton(m, 'I')),
        from,
      );
      await d.click(P.ivan, again, 'I');
      await card(d, ref, 'approvals', /revoked by ivan@example.com/, from);
    });

    it('incident: one thread per incident, reused by key, carrying every lifecycle event', async () => {
      const from = d.seen().length;
      await d.say(P.grace, 'orders-db 16s read checking the orders queue', 'incident-channel');
      const ref = await refAfter(d, P.grace, from);
      const rootMessage = await waitSeen(d, 'the incident root', all(to('incident'), root, text(INCIDENT)), from);
      await incidentLine(d, ref, 'grace@example.com requested orders-db (read)', from);
      await d.click(P.bob, await pendingCard(d, ref, 'approvals', from), 'Approve');
      await incidentLine(d, ref, 'Approved by bob@example.com', from);
      await incidentLine(d, ref, 'Access active until', from);
      await incidentLine(d, ref, /ends in/, from);
      await d.say(P.grace, `release ${ref}`, 'dm');
      await incidentLine(d, ref, 'Revoked by grace@example.com', from);

      // By key from elsewhere: the same thread, no second root; expiry lands there too.
      const second = d.seen().length;
      await d.say(P.frank, `app-logs 4s read looking at ${INCIDENT} errors`, 'dm');
      const keyed = await refAfter(d, P.frank, second);
      await incidentLine(d, keyed, 'frank@example.com requested app-logs (read)', second);
      await incidentLine(d, keyed, 'Expired', second);
      expect(d.seen().filter(all(to('incident'), root, (m) => !m.update))).toEqual([rootMessage]);
    });

    it('anomaly: DMs with actions; Revoke by an approver ends the grant, by anyone else it is refused', async () => {
      const from = d.seen().length;
      await d.say(P.judy, `orders-db 30m write fix stuck order ${INCIDENT}`);
      const ref = await refAfter(d, P.judy, from);
      await d.click(P.bob, await pendingCard(d, ref, 'approvals', from), 'Approve');
      await card(d, ref, 'approvals', /active until/, from);
      expect(await postActivity(d.baseUrl, { grant: ref, statement: 'DELETE FROM orders' })).toBe(202);
      const mine = await waitSeen(
        d,
        'the requester’s anomaly DM',
        all(dm(P.judy), text(ref), text(/DELETE/), (m) => hasButton(m, 'Acknowledge')),
        from,
      );
      expect(hasButton(mine, 'Extend')).toBe(true);
      expect(hasButton(mine, 'Revoke now')).toBe(false);
      const bobs = await waitSeen(
        d,
        'the approver’s anomaly DM',
        all(dm(P.bob), text(ref), (m) => hasButton(m, 'Revoke now')),
        from,
      );
      await incidentLine(d, ref, /ANOMALY/, from);

      const refused = d.seen().length;
      await d.click(P.judy, bobs, 'Revoke now');
      await waitSeen(d, 'the refusal', all(reply(P.judy), text(/approvers|not allowed|cannot|only/i)), refused);
      await d.click(P.judy, mine, 'Acknowledge');
      await waitSeen(d, 'the acknowledgement', all(reply(P.judy), text(/Acknowledged/)), refused);
      expect(
        d
          .seen()
          .slice(refused)
          .filter(all(root, text(ref), text(/revoked/))),
      ).toEqual([]);

      await d.click(P.bob, bobs, 'Revoke now');
      await card(d, ref, 'approvals', /revoked by bob@example.com/, refused);
      await incidentLine(d, ref, 'Revoked by bob@example.com', refused);

      // Her next request, on another resource, carries that alert as a named factor (session-anomaly-elsewhere).
      const next = d.seen().length;
      await d.say(P.judy, 'app-logs 30m read read the error log after the cleanup');
      const answer = await waitSeen(d, 'the answer to her next request', all(reply(P.judy), text(/KC-\d+/)), next);
      expect(answer.text).toMatch(/anomaly alert fired during their grant on orders-db/);
    });

    it('revoke failure: escalated with Retry now; only approvers or security may retry', async () => {
      const from = d.seen().length;
      await d.say(P.alice, `billing 30m admin pay the stuck invoices ${INCIDENT}`);
      const ref = await refAfter(d, P.alice, from);
      await waitSeen(d, 'the credential DM', all(dm(P.alice), text(ref), text('bill-')), from);
      webhook.broken = true;
      await d.say(P.alice, `release ${ref}`, 'dm');
      const alert = await waitSeen(
        d,
        'the revoke-failure alert',
        all(to('channel:alerts'), text(ref), text(/keeps retrying/), (m) => hasButton(m, 'Retry')),
        from,
      );
      await incidentLine(d, ref, /REVOKE FAILED/, from);

      const clicks = d.seen().length;
      await d.click(P.alice, alert, 'Retry');
      await waitSeen(d, 'the refusal', all(reply(P.alice), text(/approvers or the security reviewers/)), clicks);
      webhook.broken = false;
      await d.click(P.dave, alert, 'Retry');
      await eventually(() => expect(webhook.revokes).toContain(ref));
      await incidentLine(d, ref, /Revoked by alice@example.com|access removed/, clicks);
    });

    it('approver concentration: who approved all of a requester’s recent requests, fast, cannot approve the next alone', async () => {
      // Three quick approvals by bob make him kim's concentrated approver (≥ 3 approvals, ≥ 70% of hers, median ≤ 3 min).
      for (let i = 0; i < 3; i += 1) {
        const start = d.seen().length;
        await d.say(P.kim, 'orders-db 30m write rotate the batch keys');
        const ref = await refAfter(d, P.kim, start);
        await d.click(P.bob, await pendingCard(d, ref, 'approvals', start), 'Approve');
        await card(d, ref, 'approvals', /active until/, start);
        await d.say(P.kim, `release ${ref}`, 'dm');
        await card(d, ref, 'approvals', /revoked by kim@example.com/, start);
        // The release's own reply comes last: the next request's number is read from replies after it.
        await waitSeen(d, 'the release reply', all(reply(P.kim), text(`${ref} revoked`)), start);
      }
      const from = d.seen().length;
      await d.say(P.kim, 'orders-db 30m write rotate the batch keys');
      const ref = await refAfter(d, P.kim, from);
      const pending = await pendingCard(d, ref, 'approvals', from);
      expect(pending.text).toContain('another approver than bob@example.com is needed');
      const click = d.seen().length;
      await d.click(P.bob, pending, 'Approve');
      await waitSeen(d, 'the refusal', all(reply(P.bob), text('cannot be the only approver')), click);
      expect(
        d
          .seen()
          .slice(click)
          .filter(all(root, text(ref), text(/active until/))),
      ).toEqual([]);
      await d.click(P.erin, pending, 'Approve');
      await card(d, ref, 'approvals', /active until/, click);
    });

    it('borrowed reason: a sentence two other people gave, on a family new to the requester, is named on the card', async () => {
      const sentence = 'collecting evidence for the audit sample of the quarter';
      // Low tier: granted at once; these only leave their words behind.
      for (const who of [P.grace, P.ivan]) {
        const start = d.seen().length;
        await d.say(who, `app-logs 30m read ${sentence}`);
        await waitSeen(d, 'the credential DM', all(dm(who), text('DEMO credential')), start);
      }
      const from = d.seen().length;
      await d.say(P.dave, `vault 30m admin ${sentence.toUpperCase()}.`);
      const ref = await refAfter(d, P.dave, from);
      const pending = await pendingCard(d, ref, 'critical', from);
      expect(pending.text).toContain('the same reason was given by 2 other people in the last 90d, never by them');
    });

    it('auto-approve cap: past it a low score waits for a human, and the reply and the card say why', async () => {
      // Three low-tier requests are granted at once (released each time, so that none extends the last) …
      for (let i = 1; i <= 3; i += 1) {
        const start = d.seen().length;
        await d.say(P.mia, `app-logs 30m read mia reads the app logs, pass ${i}`);
        const ref = await refAfter(d, P.mia, start);
        await waitSeen(d, 'the credential DM', all(dm(P.mia), text(ref), text('DEMO credential')), start);
        await d.say(P.mia, `release ${ref}`, 'dm');
        await waitSeen(d, 'the release reply', all(reply(P.mia), text(`${ref} revoked`)), start);
      }
      // … and the fourth, scoring as low as they did, goes to the medium tier: the routing note is why.
      const note = '3 auto-approved requests within 1d (cap 3): routed as medium';
      const from = d.seen().length;
      await d.say(P.mia, 'app-logs 30m read mia reads the app logs, pass 4');
      const answer = await waitSeen(d, 'the reply to her fourth request', all(reply(P.mia), text(/KC-\d+ pending/)), from);
      expect(answer.text).toContain(`(medium) · routing: ${note}`);
      const ref = /KC-\d+/.exec(answer.text)![0];
      const pending = await pendingCard(d, ref, 'approvals', from);
      expect(pending.text).toContain(note);
      await d.click(P.bob, pending, 'Deny', { reason: 'enough log reading for today' });
      // The card's update keeps the note.
      expect((await card(d, ref, 'approvals', 'denied by bob@example.com', from)).text).toContain(note);
    });

    options.extra?.(() => started);
  });
}
