import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPolicyError, formatPolicyErrors, type PolicyError } from '../../src/config/policy-errors.js';
import { loadPolicyFile, parsePolicyText } from '../../src/config/policy-loader.js';
import { columnOf, fakeProviderSchemas, lineOf, validPolicy } from './fixtures.js';

const FILE = 'keycard.yaml';

function parseErrors(text: string): PolicyError[] {
  const result = parsePolicyText(text, FILE, fakeProviderSchemas);
  if (result.ok) throw new Error('expected the policy to be rejected');
  return result.errors;
}

function formatted(text: string): string[] {
  return formatPolicyErrors(parseErrors(text));
}

describe('parsePolicyText: valid input', () => {
  it('returns the parsed policy with durations in milliseconds and no warnings', () => {
    // validPolicy's one db-owner and two-person sre draw the approver-reach warnings (approver-reach-warnings.test.ts).
    const staffed = `${validPolicy.replace('db-owners: [carol@example.com]', 'db-owners: [carol@example.com, dave@example.com]')}risk:\n  approverFallback: [sre, db-owners]\n`;
    const result = parsePolicyText(staffed, FILE, fakeProviderSchemas);
    if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
    expect(result.warnings).toEqual([]);
    expect(result.policy.resources['demo-db']?.maxDuration).toBe(4 * 3_600_000);
    expect(result.policy.tiers.medium.approvalTtl).toBe(3_600_000);
  });

  it("replaces provider settings with the provider's parsed output, and an empty level with {}", () => {
    const result = parsePolicyText(validPolicy, FILE, fakeProviderSchemas);
    if (!result.ok) throw new Error('expected ok');
    expect(result.policy.resources['demo-db']?.levels).toEqual({ read: {}, write: { note: 'careful' } });
    expect(result.policy.resources.orders?.config).toEqual({ connectionLimit: 3 });
    expect(result.policy.resources.orders?.levels).toEqual({ read: { role: 'orders_ro' } });
  });
});

describe('parsePolicyText: located errors', () => {
  it('reports a bad duration at its key, quoting the value', () => {
    const text = validPolicy.replace('maxDuration: 4h', 'maxDuration: 4x');
    const line = lineOf(text, 'maxDuration: 4x');
    expect(formatted(text)).toEqual([
      `keycard.yaml:${line}:5 resources.demo-db.maxDuration: "4x" is not a duration (use e.g. 90s, 30m, 1h30m, 2h, 1d)`,
    ]);
  });

  it.each([['2026-13-45'], ['2026-02-30'], ['2026-04-31']])('refuses a leave date that names no day (%s), at its line', (date) => {
    const text = `${validPolicy}risk:\n  departures:\n    - email: alice@example.com\n      leaveDate: "${date}"\n`;
    const line = lineOf(text, `leaveDate: "${date}"`);
    expect(formatted(text)).toEqual([
      `keycard.yaml:${line}:7 risk.departures[0].leaveDate: is not a day of the calendar (month 01–12, a day that month has), e.g. 2026-03-31`,
    ]);
  });

  it('takes a leave date on the last day of a month, 29 February of a leap year included', () => {
    for (const date of ['2026-04-30', '2028-02-29', '2026-12-31']) {
      const text = `${validPolicy}risk:\n  departures:\n    - email: alice@example.com\n      leaveDate: "${date}"\n`;
      expect(parsePolicyText(text, FILE, fakeProviderSchemas).ok).toBe(true);
    }
  });

  it('explains a duration written as a bare number', () => {
    const text = validPolicy.replace('maxDuration: 4h', 'maxDuration: 240');
    expect(formatted(text)).toEqual([
      `keycard.yaml:${lineOf(text, 'maxDuration')}:5 resources.demo-db.maxDuration: must be a duration with a unit, e.g. "30m" (240 has none)`,
    ]);
  });

  it('names an unknown key at its own line and suggests the likely one', () => {
    const text = validPolicy.replace('maxDuration: 4h', 'maxDuraton: 4h');
    expect(parseErrors(text)).toEqual([
      {
        file: FILE,
        line: lineOf(text, 'maxDuraton'),
        column: 5,
        path: 'resources.demo-db',
        message: 'unknown key "maxDuraton" (did you mean "maxDuration"?)',
      },
    ]);
  });

  it('points at the unknown group inside a tier approvers list', () => {
    const text = validPolicy.replace('approvers: [sre] }', 'approvers: [sre, dba] }');
    expect(parseErrors(text)).toEqual([
      {
        file: FILE,
        line: lineOf(text, '[sre, dba]'),
        column: columnOf(text, 'dba]'),
        path: 'tiers.medium.approvers[1]',
        message: 'unknown group "dba" (define it under groups)',
      },
    ]);
  });

  it('rejects an unknown provider and lists the known ones', () => {
    const text = validPolicy.replace('provider: fakepg', 'provider: postgress');
    expect(formatted(text)).toEqual([
      `keycard.yaml:${lineOf(text, 'postgress')}:5 resources.orders.provider: unknown provider "postgress" (known: demo, fakepg)`,
    ]);
    const near = validPolicy.replace('provider: demo', 'provider: demoo');
    expect(formatted(near)[0]).toContain('unknown provider "demoo" (did you mean "demo"? known: demo, fakepg)');
  });

  it("validates config and level settings with the provider's schemas", () => {
    const text = validPolicy
      .replace(
        '    levels:\n      read: { role: orders_ro }',
        '    config: { connectionLimit: 0, pool: 5 }\n    levels:\n      read: { role: Orders-RO }\n      admin:',
      )
      .replace('write: { note: careful }', 'write: { role: x }');
    expect(formatted(text)).toEqual([
      `keycard.yaml:${lineOf(text, 'write: { role: x }')}:16 resources.demo-db.levels.write: unknown key "role" (the demo provider accepts: note)`,
      `keycard.yaml:${lineOf(text, 'connectionLimit')}:15 resources.orders.config.connectionLimit: must be at least 1 (got 0)`,
      `keycard.yaml:${lineOf(text, 'connectionLimit')}:${columnOf(text, 'pool')} resources.orders.config: unknown key "pool" (the fakepg provider accepts: connectionLimit)`,
      `keycard.yaml:${lineOf(text, 'Orders-RO')}:15 resources.orders.levels.read.role: must be a plain role name (got "Orders-RO")`,
      `keycard.yaml:${lineOf(text, '      admin:')}:7 resources.orders.levels.admin.role: is required`,
    ]);
  });

  it('requires connection when the provider needs one, located at the resource', () => {
    const text = validPolicy.replace('    connection: env:ORDERS_ADMIN_URL\n', '');
    expect(formatted(text)).toEqual([
      `keycard.yaml:${lineOf(text, '  orders:')}:3 resources.orders.connection: is required by the fakepg provider: add connection: env:VARIABLE naming the environment variable that holds its connection secret`,
    ]);
  });

  it('falls back to the nearest parent for a missing required key', () => {
    const text = validPolicy.replace('    sensitivity: medium\n', '');
    expect(formatted(text)).toEqual([
      `keycard.yaml:${lineOf(text, '  orders:')}:3 resources.orders.sensitivity: is required (one of low, medium, high, critical)`,
    ]);
  });

  it('never repeats a connection string written into the policy', () => {
    const text = validPolicy.replace('env:ORDERS_ADMIN_URL', 'postgres://admin:s3cret-pw@db/orders');
    const [message, ...rest] = formatted(text);
    expect(rest).toEqual([]);
    expect(message).toContain('resources.orders.connection: must be env:VARIABLE_NAME');
    expect(message).not.toContain('s3cret-pw');
  });

  it('reports a YAML syntax error with its line', () => {
    const text = validPolicy.replace('approvers: [sre] }', 'approvers: [sre }');
    const errors = parseErrors(text);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ file: FILE, path: '', line: lineOf(text, '[sre }') });
    expect(errors[0]?.message).toMatch(/^invalid YAML: /);
  });

  it('reports several mistakes in one run, in file order', () => {
    const text = validPolicy
      .replace('sensitivity: high', 'sensitivity: hgh')
      .replace('maxDuration: 4h', 'maxDuration: 4x\n    maxDuraton: 4h')
      .replace('provider: fakepg', 'provider: postgress')
      .replace('approvals: 0 }', 'approvals: 0, breakGlass: yes }');
    const errors = parseErrors(text);
    expect(errors.map((error) => [error.line, error.path])).toEqual([
      [lineOf(text, 'hgh'), 'resources.demo-db.sensitivity'],
      [lineOf(text, '4x'), 'resources.demo-db.maxDuration'],
      [lineOf(text, 'maxDuraton'), 'resources.demo-db'],
      [lineOf(text, 'postgress'), 'resources.orders.provider'],
      [lineOf(text, 'breakGlass: yes'), 'tiers.low.breakGlass'],
    ]);
    expect(errors[0]?.message).toBe('must be one of low, medium, high, critical (got "hgh")');
    expect(errors[4]?.message).toBe('must be true or false (unquoted; "yes" is read as text)');
  });

  it('reports cross-field checks together once the structure is valid', () => {
    const text = validPolicy
      .replace('timezone: Europe/Berlin', 'timezone: Europe/Berlinn')
      .replace('{ upTo: 49,', '{ upTo: 10,')
      .replace('approvers: [db-owners] }', 'approvers: [owners] }');
    expect(formatted(text)).toEqual([
      `keycard.yaml:1:1 timezone: "Europe/Berlinn" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`,
      `keycard.yaml:${lineOf(text, 'upTo: 10')}:${columnOf(text, 'upTo: 10')} tiers.medium.upTo: must be above the previous tier's upTo (14)`,
      `keycard.yaml:${lineOf(text, '[owners]')}:${columnOf(text, 'owners]')} tiers.high.approvers[0]: unknown group "owners" (define it under groups)`,
    ]);
  });
});

describe('parsePolicyText: patterns', () => {
  it('refuses a ticket pattern that matches an empty string, and a Slack creator that is not a user id', () => {
    const text = `${validPolicy}\nincidents:\n  slackChannelCreators: [incident-bot]\n`
      .replace(/^risk:.*$/m, '')
      .concat('risk:\n  ticketPattern: "[0-9]*"\n');
    const lines = formatted(text).join('\n');
    expect(lines).toContain('risk.ticketPattern: matches an empty string, so every reason would cite a ticket');
    expect(lines).toContain('incidents.slackChannelCreators[0]: a Slack user id such as U0123ABCD');
  });
});

describe('parsePolicyText: whole-file problems', () => {
  it('explains an empty or comment-only file', () => {
    for (const text of ['', '# nothing yet\n']) {
      expect(formatted(text)).toEqual([
        'keycard.yaml the file is empty: a policy needs at least resources and tiers (see manifests/policy.example.yaml)',
      ]);
    }
  });

  it('rejects a top level that is not a mapping', () => {
    expect(formatted('- resources\n- tiers\n')).toEqual([
      'keycard.yaml:1:1 the top level must be a mapping of sections (timezone, groups, resources, tiers, …), not a list',
    ]);
    expect(formatted('just text\n')[0]).toContain('not a single value');
  });

  it('names a duplicate key and where it first appeared', () => {
    const text = validPolicy.replace(
      '  db-owners: [carol@example.com]\n',
      '  db-owners: [carol@example.com]\n  sre: [mallory@example.com]\n',
    );
    expect(formatted(text)).toEqual([
      `keycard.yaml:${lineOf(text, 'mallory')}:3 groups: duplicate key "sre" (first written on line ${lineOf(text, '  sre:')}; each key may appear once)`,
    ]);
  });

  it('rejects more than one YAML document', () => {
    expect(formatted(`${validPolicy}---\ntimezone: UTC\n`)[0]).toContain('more than one YAML document');
  });

  it('reports an alias to a missing anchor instead of throwing', () => {
    expect(formatted(`${validPolicy}alerts: *nowhere\n`)[0]).toContain('Unresolved alias');
  });

  it('says when an optional section is present but empty', () => {
    const text = `${validPolicy}incidents:\n`;
    expect(formatted(text)).toEqual([
      `keycard.yaml:${lineOf(text, 'incidents:')}:1 incidents: is empty: give it a value, or remove the line to use the default`,
    ]);
  });
});

describe('parsePolicyText: warnings', () => {
  it('warns about settings that parse but cannot work as written', () => {
    const text = validPolicy
      .replace('critical: { approvals: 2,', 'critical: { upTo: 100, approvals: 2,')
      .replace('db-owners: [carol@example.com]', 'db-owners: []')
      .replace('sre: [bob@example.com, erin@example.com]', 'sre: [bob@example.com, erin@example.com, frank@example.com]')
      .replace('sensitivity: high', 'sensitivity: high\n    connection: env:UNUSED');
    const result = parsePolicyText(text, FILE, fakeProviderSchemas);
    if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
    expect(result.warnings).toEqual([
      `keycard.yaml:${lineOf(text, 'env:UNUSED')}:5 resources.demo-db.connection: is ignored: the demo provider does not use a connection`,
      `keycard.yaml:${lineOf(text, 'high: {')}:${columnOf(text, 'approvers: [db-owners] }')} tiers.high.approvers: these groups have 0 member(s) but 1 distinct approval(s) are needed, so requests in this tier can never be approved`,
      `keycard.yaml:${lineOf(text, 'upTo: 100')}:${columnOf(text, 'upTo: 100')} tiers.critical.upTo: is ignored: the critical tier covers every score above tiers.high.upTo`,
      `keycard.yaml:${lineOf(text, 'upTo: 100')}:${columnOf(text, 'approvers: [db-owners, sre]')} tiers.critical.approvers: needs 2 approvals from distinct groups, but one person per group among db-owners, sre gives at most 1, so requests in this tier can never be approved`,
    ]);
  });
});

describe('parsePolicyText: weights with the wrong sign', () => {
  it('warns when a discount adds points or a risk factor takes them off', () => {
    const text = `${validPolicy}\nrisk:\n  sensitivity: { low: -1 }\n  factors:\n    incidentKey: 5\n    firstAccess: -3\n    cleanHistory: -5\n`;
    const result = parsePolicyText(text, FILE, fakeProviderSchemas);
    if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
    const warned = result.warnings.join('\n');
    expect(warned).toContain('risk.factors.incidentKey: is 5: this factor lowers risk, so a positive weight adds points instead');
    expect(warned).toContain('risk.factors.firstAccess: is -3: this factor raises risk, so a negative weight takes points off instead');
    expect(warned).toContain('risk.sensitivity.low: is -1: asking for more should never lower the score');
    expect(warned).not.toContain('cleanHistory');
  });
});

describe('loadPolicyFile', () => {
  it('reads a file and labels errors with the display name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keycard-policy-'));
    const path = join(dir, 'policy.yaml');
    writeFileSync(path, validPolicy.replace('maxDuration: 4h', 'maxDuration: 4x'));
    const result = await loadPolicyFile(path, fakeProviderSchemas, { displayName: 'policy.yaml' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatPolicyError(result.errors[0]!)).toMatch(/^policy\.yaml:\d+:5 resources\.demo-db\.maxDuration:/);
    writeFileSync(path, validPolicy);
    expect((await loadPolicyFile(path, fakeProviderSchemas)).ok).toBe(true);
  });

  it('turns a missing file into an error that says how to fix it', async () => {
    const result = await loadPolicyFile(join(tmpdir(), 'no-such-dir', 'keycard.yaml'), fakeProviderSchemas, {
      displayName: 'keycard.yaml',
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          file: 'keycard.yaml',
          path: '',
          message: 'file not found: set KEYCARD_POLICY to your policy file (start from manifests/policy.example.yaml)',
        },
      ],
    });
  });
});
