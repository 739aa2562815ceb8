import { describe, expect, it } from 'vitest';
import { missingEnvReferences, policyEnvReferences } from '../../src/config/policy-env-refs.js';
import { parsePolicyText } from '../../src/config/policy-loader.js';
import { fakeProviderSchemas, lineOf, validPolicy } from './fixtures.js';

const FILE = 'keycard.yaml';

function loaded(text: string) {
  const result = parsePolicyText(text, FILE, fakeProviderSchemas);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
  return result.policy;
}

describe('policy check: every problem in one run', () => {
  it('reports a schema error and an unknown group together (the group check used to wait for the schema)', () => {
    const text = validPolicy.replace('maxDuration: 4h', 'maxDuration: 4x').replace('approvers: [sre] }', 'approvers: [sre, dba] }');
    const result = parsePolicyText(text, FILE, fakeProviderSchemas);
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.errors.map((e) => `${e.line} ${e.path}: ${e.message}`);
    expect(lines).toEqual([
      `${lineOf(text, 'maxDuration: 4x')} resources.demo-db.maxDuration: "4x" is not a duration (use e.g. 90s, 30m, 1h30m, 2h, 1d)`,
      `${lineOf(text, 'approvers: [sre, dba]')} tiers.medium.approvers[1]: unknown group "dba" (define it under groups)`,
    ]);
  });

  it('reports an unknown default level and an alerts reviewer next to a schema error, each once', () => {
    const text = `${validPolicy.replace('maxDuration: 4h', 'maxDuration: 4h\n    defaultLevel: admin').replace('sensitivity: medium', 'sensitivity: extreme')}alerts:\n  reviewers: [secops]\n`;
    const result = parsePolicyText(text, FILE, fakeProviderSchemas);
    const messages = result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'resources.demo-db.defaultLevel: "admin" is not one of its levels (read, write)',
        'alerts.reviewers[0]: unknown group "secops" (define it under groups)',
      ]),
    );
    expect(messages.some((m) => m.startsWith('resources.orders.sensitivity'))).toBe(true);
    expect(new Set(messages).size).toBe(messages.length);
  });
});

describe('policy env references', () => {
  it('finds connection: env:VAR and …Env settings, skipping pilot resources', () => {
    const policy = loaded(validPolicy);
    expect(policyEnvReferences(policy)).toEqual([{ path: 'resources.orders.connection', variable: 'ORDERS_ADMIN_URL' }]);
    const pilot = loaded(
      validPolicy.replace('    connection: env:ORDERS_ADMIN_URL', '    connection: env:ORDERS_ADMIN_URL\n    mode: pilot'),
    );
    expect(policyEnvReferences(pilot)).toEqual([]);
  });

  it('names each unset or blank variable with its path and the fix', () => {
    const policy = loaded(validPolicy);
    expect(missingEnvReferences(policy, {})).toEqual([
      'resources.orders.connection needs the environment variable ORDERS_ADMIN_URL, which is not set: set ORDERS_ADMIN_URL (or fix the policy)',
    ]);
    expect(missingEnvReferences(policy, { ORDERS_ADMIN_URL: '  ' })).toHaveLength(1);
    expect(missingEnvReferences(policy, { ORDERS_ADMIN_URL: 'postgres://x' })).toEqual([]);
  });
});
