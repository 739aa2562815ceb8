import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../src/config/policy-loader.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import { decide } from '../../src/core/lifecycle/decide.js';
import { requestExtension } from '../../src/core/lifecycle/extend.js';
import { review } from '../../src/core/lifecycle/manage.js';
import type { Logger } from '../../src/core/ports/runtime.js';
import { MAX_REASON_LENGTH } from '../../src/core/views/safe-text.js';
import { createHttpServer } from '../../src/http/server.js';
import { createActivityRoutes } from '../../src/monitor/index.js';
import { viewSubmission } from '../chat/slack/helpers/payloads.js';
import { createSlackFixture, type SlackFixture, U } from '../chat/slack/helpers/slack-fixture.js';
import { activityFrom, invoke, PEOPLE } from '../chat/teams/fixtures.js';
import { createTeamsFlow, invokeBody, type TeamsFlow } from '../chat/teams/setup.js';
import { fakeProviderSchemas, validPolicy } from '../config/fixtures.js';
import { SECRET, signedHeaders } from '../monitor-sources/serve-routes.js';
import { DANGEROUS, hostileText, SLACK_CONTROL, SQL_IN_LOG, shownTexts } from './hostile-pieces.js';

/**
 * Property-based hostile input (fast-check): generated strings built from the known attack pieces
 * plus arbitrary full-Unicode text and single UTF-16 units, thrown at the command parser, the Slack
 * request modal's view_submission (signed, over HTTP), the Teams request form (Action.Execute and
 * the Action.Submit fallback), the activity ingest over HTTP and the policy loader. A failure prints
 * fast-check's seed and the shrunk input.
 */

const RUNS = { commands: 150, comments: 120, slackModal: 120, teamsForm: 100, activity: 150, policy: 200 };
/** A markdown link that survived escaping into a Teams TextBlock. */
const MARKDOWN_LINK = /\]\(https?:/;

function recordingLog(lines: string[]): Logger {
  const at = (a: unknown, b?: string) => void lines.push(JSON.stringify([a, b ?? '']));
  return { debug: at, info: at, warn: at, error: at };
}

/** A resource, duration or level field: usually valid, sometimes hostile, so both paths run. */
const field = (valid: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: hostileText });

/** Every stored request has its `request.submitted` audit record: nothing half-written. */
async function expectEveryRequestAudited(deps: SlackFixture['deps']): Promise<number> {
  const requests = await deps.store.listRequests({});
  const audit = await deps.store.readAudit({});
  for (const request of requests) {
    expect(request.reason).not.toContain('\u0000');
    expect(audit.some((e) => e.requestId === request.id && e.action === 'request.submitted')).toBe(true);
  }
  return requests.length;
}

describe('hostile input, property-based (fast-check)', () => {
  let f: SlackFixture;
  const logs: string[] = [];
  beforeAll(async () => {
    f = await createSlackFixture('pglite');
    f.deps.log = recordingLog(logs);
    f.h.deps.log = f.deps.log;
  }, 60_000);
  afterAll(async () => f?.close());

  it('the command parser: an answer for every input, never an internal error, nothing half-written, no SQL in logs', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(
        hostileText,
        fc.constantFrom(
          '',
          '/access demo-db 15m read ',
          '/access demo-db 1h write ',
          '/access demo-db 30m admin ',
          'approve KC-1 ',
          'deny KC-2 ',
          'extend KC-1 ',
        ),
        // Several requesters, so requests keep being stored (one pending request per person, resource and level).
        fc.constantFrom('alice@example.com', 'bob@example.com', 'erin@example.com', 'carol@example.com', 'dave@example.com'),
        async (hostile, prefix, actor) => {
          const reply = await handleCommand(f.deps, {
            actor,
            text: `${prefix}${hostile}`,
            origin: { platform: 'console' },
          });
          tried += 1;
          expect(reply.kind).toBeDefined();
          // On failure the last log lines say what broke.
          if (reply.kind === 'error')
            expect(reply.message, logs.slice(-3).join('\n')).not.toMatch(/Something went wrong on Keycard’s side/);
        },
      ),
      { numRuns: RUNS.commands },
    );
    const stored = await expectEveryRequestAudited(f.deps);
    expect(logs.filter((line) => SQL_IN_LOG.test(line))).toEqual([]);
    console.info(`hostile-input (fast-check): ${tried} commands tried, ${stored} requests stored, 0 crashes`);
  }, 60_000);

  it('denial reasons, extension reasons and review comments (what the deny modal and the Teams deny card send): refused before any query when unstorable or too long', async () => {
    // A pending request to aim at (the command property above may already have left carol one: then this is refused as a duplicate).
    await handleCommand(f.deps, {
      actor: 'carol@example.com',
      text: '/access demo-db 1h write hostile comment target',
      origin: { platform: 'console' },
    });
    const target = (await f.deps.store.listRequests({})).find((r) => r.requester === 'carol@example.com' && r.status === 'pending')!;
    expect(target).toBeDefined();
    let tried = 0;
    let refusedText = 0;
    const longPaste = fc.string({ minLength: 2001, maxLength: 20_000 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: hostileText }, { weight: 1, arbitrary: longPaste }),
        fc.constantFrom('deny', 'review', 'extend'),
        async (text, operation) => {
          const unstorable = text.includes('\u0000') || /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
          const tooLong = text.length > MAX_REASON_LENGTH;
          const result =
            operation === 'deny'
              ? await decide(f.deps, { number: target.number, actor: 'nobody-approver@example.com', decision: 'deny', comment: text })
              : operation === 'review'
                ? await review(f.deps, { number: target.number, actor: 'dave@example.com', comment: text })
                : await requestExtension(f.deps, {
                    number: target.number,
                    actor: 'carol@example.com',
                    durationMs: 60_000,
                    reason: text,
                    origin: { platform: 'console' },
                  });
          tried += 1;
          if (unstorable || tooLong) {
            refusedText += 1;
            expect(result.ok).toBe(false);
            if (!result.ok) expect(['invalid_text', 'text_too_long']).toContain(result.code);
            if (!result.ok) expect(result.message).not.toContain('\u0000');
          }
        },
      ),
      { numRuns: RUNS.comments },
    );
    // Nothing the refused texts touched moved: the request is still pending, and no audit record holds a NUL.
    expect((await f.deps.store.getRequestByNumber(target.number))?.status).toBe('pending');
    const audit = await f.deps.store.readAudit({});
    // The NUL character itself: JSON.stringify writes a NUL as \u0000, but also writes the harmless typed text
    // "\u0000" (a backslash and five characters, one of the hostile pieces) as \\u0000, which a substring test mistook for one.
    expect(audit.filter((e) => holdsNul(e.details))).toEqual([]);
    expect(logs.filter((line) => SQL_IN_LOG.test(line))).toEqual([]);
    console.info(
      `hostile-input (fast-check): ${tried} denial/extension/review texts tried, ${refusedText} refused as unstorable or too long, 0 crashes`,
    );
  }, 60_000);

  it('the Slack request modal (signed view_submission over HTTP): never a 5xx, no control sequence or bidi character shown, nothing half-written', async () => {
    const statuses = new Map<string, number>();
    const callsBefore = f.slack.calls.length;
    await fc.assert(
      fc.asyncProperty(
        field(['demo-db']),
        field(['15m', '30m', '1h']),
        field(['read', 'write', 'admin']),
        hostileText,
        field(['', 'INC-42']),
        fc.constantFrom(U.alice, U.bob, U.erin, U.carol, U.dave),
        async (resource, duration, level, reason, incident, who) => {
          const body = viewSubmission(who.id, 'kc_request_modal', {
            resource: { value: { type: 'static_select', selected_option: { value: resource, text: { type: 'plain_text', text: 'x' } } } },
            duration: { value: { type: 'plain_text_input', value: duration } },
            level: { value: { type: 'static_select', selected_option: { value: level, text: { type: 'plain_text', text: 'x' } } } },
            reason: { value: { type: 'plain_text_input', value: reason } },
            incident: { value: { type: 'plain_text_input', value: incident } },
          });
          const sent = await f.signed(body);
          expect(sent.status).toBeLessThan(500);
          const answer = sent.text.trim().startsWith('{') ? sent.json() : {};
          const kind = answer.response_action === 'errors' ? 'errors' : `${sent.status}`;
          statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
          for (const text of shownTexts(answer)) expect(text).not.toMatch(DANGEROUS);
        },
      ),
      { numRuns: RUNS.slackModal },
    );
    // What Slack received afterwards (cards, DMs, replies): no `<!…>` that would ping, no raw bidi/control character.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const shown = [...f.slack.calls.slice(callsBefore).map((c) => c.args), ...f.slack.responses.map((r) => r.body)].flatMap((a) =>
      shownTexts(a),
    );
    for (const text of shown) {
      expect(text).not.toMatch(SLACK_CONTROL);
      expect(text).not.toMatch(DANGEROUS);
    }
    const stored = await expectEveryRequestAudited(f.deps);
    expect(logs.filter((line) => SQL_IN_LOG.test(line))).toEqual([]);
    console.info(
      `hostile-input (fast-check): ${RUNS.slackModal} Slack modal submissions tried (${JSON.stringify(Object.fromEntries(statuses))}), ${shown.length} texts Slack received checked, ${stored} requests stored`,
    );
  }, 60_000);

  it('activity ingest over HTTP: never a 5xx, no SQL in logs', async () => {
    const routeLogs: string[] = [];
    const routes = createActivityRoutes({ deps: () => f.h.deps, secret: SECRET, log: recordingLog(routeLogs) });
    const server = createHttpServer({ log: recordingLog(routeLogs), ready: async () => ({ ok: true, checks: {} }) });
    for (const route of routes) server.route(route.path, route.handler);
    const url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}/activity`;
    const statuses = new Map<number, number>();
    try {
      await fc.assert(
        fc.asyncProperty(hostileText, hostileText, fc.option(hostileText, { nil: undefined }), async (statement, principal, id) => {
          const body = JSON.stringify({
            ...(id === undefined ? {} : { id }),
            at: f.h.clock.now().toISOString(),
            grant: 'KC-1',
            principal,
            statement,
            sourceAddress: statement.slice(0, 200),
            details: { [statement.slice(0, 20) || 'k']: statement },
          });
          const response = await fetch(url, {
            method: 'POST',
            headers: signedHeaders(body, Math.floor(f.h.clock.now().getTime() / 1000)),
            body,
          });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status).toBeLessThan(500);
        }),
        { numRuns: RUNS.activity },
      );
    } finally {
      await server.close();
    }
    expect([...routeLogs, ...logs].filter((line) => SQL_IN_LOG.test(line))).toEqual([]);
    console.info(
      `hostile-input (fast-check): ${RUNS.activity} signed /activity bodies tried, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  }, 60_000);

  it('the policy loader: every generated policy is valid or a list of located problems, never a throw', () => {
    let tried = 0;
    fc.assert(
      fc.property(hostileText, fc.constantFrom('description', 'group', 'approver', 'whole'), (hostile, where) => {
        const text =
          where === 'description'
            ? validPolicy.replace('Demo database', JSON.stringify(hostile))
            : where === 'group'
              ? validPolicy.replace('sre:', `${JSON.stringify(hostile)}:`)
              : where === 'approver'
                ? validPolicy.replace('approvers: [sre]', `approvers: [${JSON.stringify(hostile)}]`)
                : hostile;
        const result = parsePolicyText(text, 'keycard.yaml', fakeProviderSchemas);
        tried += 1;
        if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS.policy },
    );
    console.info(`hostile-input (fast-check): ${tried} policies tried`);
  });
});

describe('hostile input on the Teams request form, property-based (fast-check)', () => {
  let t: TeamsFlow;
  const logs: string[] = [];
  beforeAll(async () => {
    t = await createTeamsFlow('pglite');
    t.h.deps.log = recordingLog(logs);
  }, 60_000);
  afterAll(async () => t?.close());

  it('Action.Execute and the Action.Submit fallback: never a 5xx, no bidi/control character or markdown link shown, nothing half-written', async () => {
    const statuses = new Map<number, number>();
    let submits = 0;
    await fc.assert(
      fc.asyncProperty(
        field(['demo-db']),
        field(['15m', '30m']),
        field(['read', 'write']),
        hostileText,
        fc.boolean(),
        fc.constantFrom(...Object.values(PEOPLE)),
        async (resource, duration, level, reason, fallback, who) => {
          const data = { resource, duration, level, reason };
          if (fallback) {
            // Clients without Universal Actions send the card's data as a message value.
            submits += 1;
            const replies = await t.deliver(activityFrom(who, { type: 'message', value: { kc: 'submitRequest', ...data } }));
            for (const text of shownTexts(replies)) expect(text).not.toMatch(DANGEROUS);
            // Markdown is rendered on cards; a reply's summary and plain-text messages (textFormat plain) are not.
            for (const text of shownTexts(replies.map((r) => r.attachments))) expect(text).not.toMatch(MARKDOWN_LINK);
            return;
          }
          const body = invokeBody(await t.deliver(invoke(who, 'submitRequest', data, 'personal')));
          statuses.set(body.statusCode, (statuses.get(body.statusCode) ?? 0) + 1);
          expect(body.statusCode).toBeLessThan(500);
          for (const text of typeof body.value === 'string' ? [body.value] : shownTexts(body.value)) {
            expect(text).not.toMatch(DANGEROUS);
            expect(text).not.toMatch(MARKDOWN_LINK);
          }
        },
      ),
      { numRuns: RUNS.teamsForm },
    );
    const posted = shownTexts(t.transport.log);
    for (const text of posted) {
      expect(text).not.toMatch(DANGEROUS);
      expect(text).not.toMatch(MARKDOWN_LINK);
    }
    const stored = await expectEveryRequestAudited(t.h.deps);
    expect(logs.filter((line) => SQL_IN_LOG.test(line))).toEqual([]);
    console.info(
      `hostile-input (fast-check): ${RUNS.teamsForm} Teams form submissions tried (invoke statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${submits} Action.Submit), ${posted.length} posted texts checked, ${stored} requests stored`,
    );
  }, 60_000);
});

/** True when any string in the value, key or value, holds a NUL character. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
  return false;
}
