import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fallbackText } from '../../src/chat/slack/render/block-kit.js';
import { inline } from '../../src/chat/teams/cards/adaptive.js';
import { parsePolicyText } from '../../src/config/policy-loader.js';
import { handleCommand } from '../../src/core/commands/handle.js';
import type { Logger } from '../../src/core/ports/runtime.js';
import { neutraliseControls } from '../../src/core/views/safe-text.js';
import { createHttpServer } from '../../src/http/server.js';
import { createActivityRoutes } from '../../src/monitor/index.js';
import { fakeProviderSchemas, validPolicy } from '../config/fixtures.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { SECRET, signedHeaders } from '../monitor-sources/serve-routes.js';
import { PIECES } from './hostile-pieces.js';

/** A small seeded generator (no dependency): the same inputs every run, so a failure reproduces. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return (): string => {
    const parts = 1 + Math.floor(next() * 4);
    let text = '';
    for (let i = 0; i < parts; i += 1) {
      text += next() < 0.7 ? PIECES[Math.floor(next() * PIECES.length)] : String.fromCharCode(Math.floor(next() * 0x3000));
      text += next() < 0.5 ? ' ' : '';
    }
    return text;
  };
}

function recordingLog(lines: string[]): Logger {
  const at = (a: unknown, b?: string) => void lines.push(JSON.stringify([a, b ?? '']));
  return { debug: at, info: at, warn: at, error: at };
}

const RUNS = 300;
/** Characters that must never survive escaping (bidi overrides and isolates, C0 controls up to BEL…BS). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for exactly these control characters in rendered output
const DANGEROUS = /[\u202A-\u202E\u2066-\u2069\u0000-\u0008]/;
const SQL_IN_LOG = /Failed query|insert into|DROP TABLE|DELETE FROM orders/i;

describe('hostile text, generated', () => {
  let h: Harness;
  const logs: string[] = [];
  beforeAll(async () => {
    h = await createHarness('pglite');
    h.deps.log = recordingLog(logs);
  });
  afterAll(async () => h?.close());

  it('the command parser and the request use case: no crash, a clear answer, nothing half-written, no SQL in logs', async () => {
    const next = generator(15);
    let tried = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const hostile = next();
      for (const text of [hostile, `/access demo-db 15m read ${hostile}`, `approve KC-1 ${hostile}`, `deny KC-${i} ${hostile}`]) {
        const reply = await handleCommand(h.deps, { actor: 'mallory@example.com', text, origin: { platform: 'console' } });
        tried += 1;
        expect(reply.kind).toBeDefined();
        if (reply.kind === 'error') expect(reply.message).not.toMatch(/Something went wrong on Keycard’s side/);
      }
    }
    // Every stored reason is storable text, and every request has its audit record (nothing half-written).
    const requests = await h.deps.store.listRequests({});
    const audit = await h.deps.store.readAudit({});
    for (const request of requests) {
      expect(request.reason).not.toContain('\u0000');
      expect(audit.some((e) => e.requestId === request.id && e.action === 'request.submitted')).toBe(true);
    }
    expect(logs.filter((line) => SQL_IN_LOG.test(line))).toEqual([]);
    console.info(`hostile-input: ${tried} commands tried, ${requests.length} requests stored, 0 crashes`);
  }, 240_000);

  it('activity ingest over HTTP: never a 5xx, NUL and invalid UTF-8 refused with 400 before any query, no SQL in logs', async () => {
    const routeLogs: string[] = [];
    const routes = createActivityRoutes({ deps: () => h.deps, secret: SECRET, log: recordingLog(routeLogs) });
    const server = createHttpServer({ log: recordingLog(routeLogs), ready: async () => ({ ok: true, checks: {} }) });
    for (const route of routes) server.route(route.path, route.handler);
    const url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}/activity`;
    const next = generator(42);
    const statuses = new Map<number, number>();
    try {
      const send = async (body: string | Buffer) => {
        const text = typeof body === 'string' ? body : body.toString('latin1');
        const headers = signedHeaders(text, Math.floor(h.clock.now().getTime() / 1000));
        const response = await fetch(url, { method: 'POST', headers, body });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        return response.status;
      };
      for (let i = 0; i < RUNS; i += 1) {
        const hostile = next();
        const event = {
          at: h.clock.now().toISOString(),
          grant: 'KC-1',
          statement: hostile,
          sourceAddress: hostile.slice(0, 200),
          details: { [hostile.slice(0, 20) || 'k']: hostile },
        };
        expect(await send(JSON.stringify(event))).toBeLessThan(500);
      }
      expect(await send(JSON.stringify({ at: h.clock.now().toISOString(), grant: 'KC-1', statement: 'SELECT \u0000' }))).toBe(400);
      const invalidUtf8 = Buffer.concat([
        Buffer.from('{"at":"2026-11-24T09:00:00Z","grant":"KC-1","statement":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ]);
      const response = await fetch(url, {
        method: 'POST',
        headers: signedHeaders(invalidUtf8.toString('latin1'), Math.floor(h.clock.now().getTime() / 1000)),
        body: invalidUtf8,
      });
      expect([400, 401]).toContain(response.status);
    } finally {
      await server.close();
    }
    expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
    expect([...routeLogs, ...logs].filter((line) => SQL_IN_LOG.test(line))).toEqual([]);
    console.info(`hostile-input: ${RUNS + 2} activity bodies tried, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 240_000);

  it('the policy loader: every generated policy is either valid or a list of located problems, never a throw', () => {
    const next = generator(7);
    let tried = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const hostile = next();
      for (const text of [
        validPolicy.replace('Demo database', JSON.stringify(hostile)),
        validPolicy.replace('sre:', `${JSON.stringify(hostile)}:`),
        validPolicy.replace('approvers: [sre]', `approvers: [${JSON.stringify(hostile)}]`),
        hostile,
      ]) {
        const result = parsePolicyText(text, 'keycard.yaml', fakeProviderSchemas);
        tried += 1;
        if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
      }
    }
    console.info(`hostile-input: ${tried} policies tried`);
  });

  it('rendered text: no Slack control sequence, no bidi or control character survives in fallback text or cards', () => {
    const next = generator(99);
    for (let i = 0; i < RUNS; i += 1) {
      const hostile = next();
      const slack = fallbackText(`statement: ${hostile}`);
      expect(slack).not.toMatch(/<[!@#]/);
      expect(slack).not.toMatch(DANGEROUS);
      expect(inline(hostile)).not.toMatch(/\]\(/);
      expect(inline(hostile)).not.toMatch(DANGEROUS);
    }
    expect(neutraliseControls('a\u202Eb')).toBe('a⟨U+202E⟩b');
    // The anomaly alert's fallback text, as post-message.ts sends it: the statement cannot ping the channel.
    const sent = fallbackText('HIGH activity on KC-1 (orders, read): DELETE FROM orders /* <!channel> */');
    expect(sent).toContain('&lt;!channel&gt;');
    expect(sent).not.toContain('<!channel>');
  });
});
