import { describe, expect, it } from 'vitest';
import { parseCommand, parseRequestId } from '../../src/core/commands/parse.js';
import type { Catalog } from '../../src/core/commands/types.js';

const catalog: Catalog = {
  resources: { 'demo-db': { levels: ['read', 'write'] }, 'demo-logs': { levels: ['read'] } },
  incidentKeyPattern: 'INC-[0-9]+',
};
const parse = (text: string) => parseCommand(text, catalog);

describe('parseCommand: requests', () => {
  it('parses the full form', () => {
    expect(parse('/access demo-db 15m read checking replication lag INC-42')).toEqual({
      ok: true,
      command: {
        kind: 'request',
        resource: 'demo-db',
        durationMs: 900_000,
        durationText: '15m',
        level: 'read',
        reason: 'checking replication lag INC-42',
        breakGlass: false,
      },
    });
  });

  it('accepts level before duration, no leading /access, and defaults', () => {
    const r = parse('demo-db write 1h30m fix stuck order');
    expect(r.ok && r.command).toMatchObject({ kind: 'request', level: 'write', durationMs: 5_400_000, reason: 'fix stuck order' });
    const d = parse('access demo-db fix stuck order');
    expect(d.ok && d.command).toMatchObject({ kind: 'request', resource: 'demo-db', reason: 'fix stuck order' });
    expect(d.ok && d.command.kind === 'request' && d.command.durationMs).toBeUndefined();
  });

  it('reads flags anywhere', () => {
    const r = parse('demo-db 30m write --break-glass db is down --incident inc-7');
    expect(r.ok && r.command).toMatchObject({ breakGlass: true, incidentKey: 'INC-7', reason: 'db is down' });
    const eq = parse('demo-db 30m --incident=INC-8 checking');
    expect(eq.ok && eq.command).toMatchObject({ incidentKey: 'INC-8', reason: 'checking' });
  });

  it.each([
    ['', /Tell me what you need/],
    ['/access', /Tell me what you need/],
    ['demo-dbb 30m read x', /Unknown resource "demo-dbb". Did you mean "demo-db"\?/],
    ['prod 30m read x', /Unknown resource "prod". Available: demo-db, demo-logs/],
    // Names of Object.prototype's members are not resources (a plain lookup once let `__proto__` through to the database).
    ['__proto__ 30m fix', /Unknown resource "__proto__"/],
    ['constructor 30m fix', /Unknown resource "constructor"/],
    ['toString 30m fix', /Unknown resource "toString"/],
    ['demo-db 30x read fix', /"30x" is not a duration/],
    ['demo-db 30m read', /Say why you need access/],
    ['demo-logs 30m write rotate logs', /demo-logs has no "write" level \(levels: read\)/],
    ['demo-db 30m --sudo fix', /Unknown option "--sudo"/],
    ['demo-db 30m --incident', /--incident needs an incident key/],
    // A key is what incidents.keyPattern says, whole: not any word, and not a key with something stuck to it.
    ['demo-db 30m --incident notakey fix', /^--incident notakey is not an incident key \(incidents\.keyPattern: INC-\[0-9\]\+\)\.$/],
    ['demo-db 30m --incident=whatever-1 fix', /--incident whatever-1 is not an incident key/],
    ['demo-db 30m --incident INC-42x fix', /--incident INC-42x is not an incident key/],
    [`demo-db 30m ${'x'.repeat(1001)}`, /too long/],
  ])('explains %j', (text, message) => {
    const r = parse(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(message);
      expect(r.usage).toContain('/access');
    }
  });
});

describe('parseCommand: subcommands', () => {
  it.each([
    ['help', { kind: 'help' }],
    ['list', { kind: 'list' }],
    ['status KC-42', { kind: 'status', number: 42 }],
    ['/access status kc-7', { kind: 'status', number: 7 }],
    ['release KC-1', { kind: 'release', number: 1, reason: '' }],
    ['release #3 done early', { kind: 'release', number: 3, reason: 'done early' }],
    ['extend KC-1 30m still debugging', { kind: 'extend', number: 1, durationMs: 1_800_000, reason: 'still debugging' }],
    ['approve KC-1 looks fine', { kind: 'approve', number: 1, comment: 'looks fine' }],
    ['approve 1', { kind: 'approve', number: 1, comment: '' }],
    ['deny KC-1 use the replica', { kind: 'deny', number: 1, reason: 'use the replica' }],
    ['cancel KC-2', { kind: 'cancel', number: 2 }],
    ['review KC-2 ok', { kind: 'review', number: 2, comment: 'ok' }],
    ['revoke KC-2 suspicious', { kind: 'revoke', number: 2, reason: 'suspicious' }],
  ])('%s', (text, command) => expect(parse(text)).toEqual({ ok: true, command }));

  it.each([
    ['status', /needs a request id/],
    ['status foo', /"foo" is not a request id/],
    ['deny KC-1', /denial needs a reason/],
    ['extend KC-1', /How much longer/],
    ['extend KC-1 soon', /"soon" is not a duration/],
    ['list everything', /takes no arguments/],
    ['revoke KC-1', /Say why/],
  ])('%s fails clearly', (text, message) => {
    const r = parse(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('parses request ids', () => {
    expect(parseRequestId('KC-12')).toBe(12);
    expect(parseRequestId('#12')).toBe(12);
    expect(parseRequestId('12')).toBe(12);
    expect(parseRequestId('KC-')).toBeUndefined();
    expect(parseRequestId('KC-1x')).toBeUndefined();
  });
});
