import { describe, expect, it } from 'vitest';
import { grantComment, parseGrantComment } from '../../../src/providers/postgres/comment.js';
import { parseAdminUrl, userConnectionString } from '../../../src/providers/postgres/connection.js';
import { toProviderError } from '../../../src/providers/postgres/errors.js';
import { ROLE_NAME_RE, roleNameFor } from '../../../src/providers/postgres/role-name.js';
import { postgresSchemas } from '../../../src/providers/postgres/schemas.js';
import { scramSha256Verifier, scramVerifierMatches } from '../../../src/providers/postgres/scram.js';
import { redactUrls, safeUrl } from '../../../src/providers/redact-url.js';

describe('postgres role names', () => {
  it.each([
    ['alice@example.com', 'KC-12', 'kc_alice_kc_12'],
    ['Zoë.O’Brien@example.com', 'KC-7', 'kc_zoe_o_brien_kc_7'],
    ['日本@example.com', 'KC-1', 'kc_user_kc_1'],
    [`x";drop role postgres;--@e.com`, 'KC-2', 'kc_x_drop_role_postgres_kc_2'],
  ])('%s + %s → %s', (requester, grantId, expected) => {
    expect(roleNameFor(requester, grantId)).toBe(expected);
  });

  it('stays within 63 bytes and the allow-list for any input, and is deterministic', () => {
    const name = roleNameFor(`${'b'.repeat(100)}@x`, `KC-${'1'.repeat(100)}`);
    expect(name).toMatch(ROLE_NAME_RE);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(roleNameFor(`${'b'.repeat(100)}@x`, `KC-${'1'.repeat(100)}`)).toBe(name);
    expect(roleNameFor('a@x', `KC-${'1'.repeat(100)}`)).not.toBe(roleNameFor('a@x', `KC-${'1'.repeat(99)}2`));
  });
});

describe('postgres helpers', () => {
  it('round-trips the grant label, including odd grant ids', () => {
    const at = new Date('2030-05-01T12:00:00.000Z');
    expect(grantComment('KC-12', at, 'prod-db')).toBe('keycard grant KC-12 expires 2030-05-01T12:00:00.000Z resource prod-db');
    expect(parseGrantComment(grantComment(`KC-1 ' "x"`, at, 'prod-db'))).toEqual({
      grantId: `KC-1 ' "x"`,
      expiresAt: at,
      resource: 'prod-db',
    });
    expect(parseGrantComment('owned by the data team')).toBeUndefined();
    expect(parseGrantComment(null)).toBeUndefined();
  });

  it('builds the user connection string from the admin URL, keeping sslmode and dropping admin credentials', () => {
    const target = parseAdminUrl('postgres://admin:s3cret@db.internal:6543/orders?sslmode=verify-full&application_name=x', 'prod-db');
    expect(target.label).toBe('db.internal:6543/orders');
    const url = userConnectionString(target, 'kc_alice_kc_1', 'p/w+=');
    expect(url).toBe('postgresql://kc_alice_kc_1:p%2Fw%2B%3D@db.internal:6543/orders?sslmode=verify-full');
    expect(url).not.toContain('s3cret');
    expect(parseAdminUrl('postgresql://a@[::1]/db', 'r').host).toBe('[::1]');
  });

  it('computes SCRAM verifiers that match only their password', () => {
    const verifier = scramSha256Verifier(`it's \\ ; --`);
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(scramVerifierMatches(verifier, `it's \\ ; --`)).toBe(true);
    expect(scramVerifierMatches(verifier, 'other')).toBe(false);
  });

  it('strips credentials from URLs in messages', () => {
    expect(redactUrls('failed: postgres://admin:hunter2@db:5432/x and https://u:p@h/p')).toBe(
      'failed: postgres://***@db:5432/x and https://***@h/p',
    );
    expect(safeUrl('https://u:p@hooks.example.com/keycard?token=abc')).toBe('https://hooks.example.com/keycard');
  });

  it('maps driver errors to vendor-neutral codes', () => {
    const ctx = { target: 'db:5432/x', action: 'grant', resource: 'prod-db', level: 'read', groupRole: 'ro' } as const;
    const map = (code: string, message = 'm') => toProviderError(Object.assign(new Error(message), { code }), ctx).code;
    expect(map('28P01')).toBe('auth_failed');
    expect(map('28000')).toBe('auth_failed');
    expect(map('42501')).toBe('auth_failed');
    expect(map('42704')).toBe('invalid_config');
    expect(map('ECONNREFUSED')).toBe('unavailable');
    expect(map('ENOTFOUND')).toBe('unavailable');
    expect(map('57014')).toBe('unavailable');
    expect(toProviderError(new Error('timeout expired'), ctx).code).toBe('unavailable');
    expect(toProviderError(new Error('connect to postgres://a:pw@h failed'), ctx).message).not.toContain('pw@');
  });

  it('validates resource and level config', () => {
    expect(postgresSchemas.resourceConfig.parse({})).toEqual({
      connectionLimit: 3,
      dropOwned: false,
      connectTimeoutMs: 10_000,
      statementTimeoutMs: 30_000,
    });
    expect(postgresSchemas.resourceConfig.safeParse({ url: 'x' }).success).toBe(false);
    expect(postgresSchemas.levelConfig.safeParse({ role: 'orders_readonly', extra: 1 }).success).toBe(false);
    expect(postgresSchemas.requiresConnection).toBe(true);
  });
});
