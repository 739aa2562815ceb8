import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ConfigResult, type KeycardConfig, readConfig } from '../../src/config/env.js';

const CWD = '/srv/keycard';
const noFiles = () => false;

/** readConfig with no ./keycard.yaml, so the bundled example is the default policy. */
function read(env: Record<string, string | undefined>): ConfigResult {
  return readConfig(env, { cwd: CWD, fileExists: (path) => !path.startsWith(CWD) && existsSync(path) });
}

function config(env: Record<string, string | undefined>): KeycardConfig {
  const result = read(env);
  if (!result.ok) throw new Error(`expected ok, got ${result.errors.join('; ')}`);
  return result.config;
}

function errors(env: Record<string, string | undefined>): string[] {
  const result = read(env);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('readConfig: core settings', () => {
  it('runs the console on the embedded database with the bundled policy when nothing is set', () => {
    const result = read({});
    expect(result.ok && result.warnings).toEqual([]);
    const cfg = config({});
    expect(cfg).toMatchObject({ mode: 'console', port: 3000, logLevel: 'info', dataDir: join(CWD, '.keycard'), policySource: 'bundled' });
    expect(cfg.databaseUrl).toBeUndefined();
    expect(cfg.slack).toBeUndefined();
    expect(cfg.teams).toBeUndefined();
    expect(cfg.policyPath).toBe(resolve('manifests/policy.example.yaml'));
  });

  it('prefers ./keycard.yaml in the working directory over the bundled example', () => {
    const result = readConfig({}, { cwd: CWD, fileExists: (path) => path === join(CWD, 'keycard.yaml') });
    expect(result.ok && result.config.policyPath).toBe(join(CWD, 'keycard.yaml'));
    expect(result.ok && result.config.policySource).toBe('cwd');
  });

  it('resolves KEYCARD_POLICY and KEYCARD_DATA_DIR against the working directory', () => {
    const cfg = config({ KEYCARD_POLICY: 'policies/prod.yaml', KEYCARD_DATA_DIR: '/var/lib/keycard' });
    expect(cfg.policyPath).toBe(join(CWD, 'policies/prod.yaml'));
    expect(cfg.policySource).toBe('env');
    expect(cfg.dataDir).toBe('/var/lib/keycard');
  });

  it('finds the bundled policy by walking up from a nested module folder (dist/config after a build)', () => {
    const found = readConfig({}, { cwd: '/elsewhere', moduleDir: resolve('dist/config'), fileExists: existsSync });
    expect(found.ok && found.config.policyPath).toBe(resolve('manifests/policy.example.yaml'));
  });

  it('says how to fix a missing policy', () => {
    const result = readConfig({}, { cwd: CWD, fileExists: noFiles });
    expect(result).toEqual({ ok: false, errors: [expect.stringContaining('set KEYCARD_POLICY=')] });
  });

  it('accepts ports 0 to 65535 and names PORT with the fix for anything else', () => {
    expect(config({ PORT: '8080' }).port).toBe(8080);
    expect(config({ PORT: '0' }).port).toBe(0);
    expect(config({ PORT: '65535' }).port).toBe(65535);
    for (const bad of ['abc', '70000', '-1', '80.5', '3000x']) {
      expect(errors({ PORT: bad })).toEqual([`PORT must be a whole number from 0 to 65535, e.g. PORT=3000 (got "${bad}")`]);
    }
  });

  it('validates LOG_LEVEL, case-insensitively', () => {
    expect(config({ LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    expect(errors({ LOG_LEVEL: 'verbose' })).toEqual([
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ]);
  });

  it('accepts a postgres DATABASE_URL and rejects others without repeating the password', () => {
    const url = 'postgres://keycard:pw@db.internal:5432/keycard';
    expect(config({ DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(config({ DATABASE_URL: 'postgresql://db/keycard' }).databaseUrl).toBe('postgresql://db/keycard');
    const socket = 'postgres://keycard@/keycard?host=/var/run/postgresql';
    expect(config({ DATABASE_URL: socket }).databaseUrl).toBe(socket);
    const [message, ...rest] = errors({ DATABASE_URL: 'mysql://root:hunter2@db/keycard' });
    expect(rest).toEqual([]);
    expect(message).toMatch(/^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(message).not.toContain('hunter2');
  });

  it('treats blank and whitespace-only values as unset', () => {
    const cfg = config({ PORT: '', LOG_LEVEL: '  ', SLACK_BOT_TOKEN: ' ', DATABASE_URL: '' });
    expect(cfg).toMatchObject({ port: 3000, logLevel: 'info', mode: 'console' });
    expect(cfg.databaseUrl).toBeUndefined();
  });

  it('reports every problem at once instead of stopping at the first', () => {
    const all = errors({ PORT: 'x', LOG_LEVEL: 'loud', SLACK_BOT_TOKEN: 'xoxb-0000000000-token', MICROSOFT_APP_PASSWORD: 'pw-1' });
    expect(all).toHaveLength(4);
    expect(all.join('\n')).toMatch(/PORT[\s\S]*LOG_LEVEL[\s\S]*SLACK_SIGNING_SECRET[\s\S]*MICROSOFT_APP_ID/);
  });
});

describe('readConfig: Slack', () => {
  const secrets = {
    SLACK_BOT_TOKEN: 'xoxb-BOT-SECRET-1',
    SLACK_SIGNING_SECRET: '5ec7e75ec7e75ec7e75ec7e75ec7e7aa',
    SLACK_APP_TOKEN: 'xapp-APP-SECRET-3',
  };

  it('enables Slack over HTTP with a bot token and signing secret', () => {
    const cfg = config({ SLACK_BOT_TOKEN: secrets.SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: secrets.SLACK_SIGNING_SECRET });
    expect(cfg.mode).toBe('chat');
    expect(cfg.slack).toEqual({
      botToken: secrets.SLACK_BOT_TOKEN,
      signingSecret: secrets.SLACK_SIGNING_SECRET,
      appToken: undefined,
      apiUrl: undefined,
      socketMode: false,
    });
  });

  it('takes SLACK_CONCURRENT_DELIVERIES as a whole number from 1 to 1000, and refuses anything else at start', () => {
    const http = { SLACK_BOT_TOKEN: secrets.SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: secrets.SLACK_SIGNING_SECRET };
    expect(config({ ...http, SLACK_CONCURRENT_DELIVERIES: '32' }).slack?.concurrentDeliveries).toBe(32);
    expect(config({ ...http, SLACK_CONCURRENT_DELIVERIES: ' 1 ' }).slack?.concurrentDeliveries).toBe(1);
    expect(config(http).slack).not.toHaveProperty('concurrentDeliveries');
    for (const bad of ['0', '1001', '8.5', '-3', 'eight']) {
      expect(errors({ ...http, SLACK_CONCURRENT_DELIVERIES: bad })).toEqual([
        `SLACK_CONCURRENT_DELIVERIES must be a whole number from 1 to 1000 (how many acknowledged Slack deliveries work at once; default 4), got "${bad}"`,
      ]);
    }
  });

  it('uses Socket Mode when an app token is set, without a signing secret', () => {
    const cfg = config({ SLACK_BOT_TOKEN: secrets.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: secrets.SLACK_APP_TOKEN });
    expect(cfg.slack?.socketMode).toBe(true);
  });

  it('names the missing signing secret when only the bot token is set', () => {
    const all = errors({ SLACK_BOT_TOKEN: secrets.SLACK_BOT_TOKEN });
    expect(all).toEqual(['Slack is partially configured: set SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)']);
  });

  it('names the missing bot token when only the signing secret or app token is set', () => {
    for (const env of [{ SLACK_SIGNING_SECRET: secrets.SLACK_SIGNING_SECRET }, { SLACK_APP_TOKEN: secrets.SLACK_APP_TOKEN }]) {
      const [message] = errors(env);
      expect(message).toMatch(/^Slack is partially configured: set SLACK_BOT_TOKEN/);
      expect(message).toContain(`unset ${Object.keys(env)[0]}`);
    }
  });

  it('never puts a secret value in an error or warning', () => {
    const outputs = [
      read({ SLACK_BOT_TOKEN: secrets.SLACK_BOT_TOKEN }),
      read({ SLACK_SIGNING_SECRET: secrets.SLACK_SIGNING_SECRET, SLACK_APP_TOKEN: secrets.SLACK_APP_TOKEN }),
      read({ SLACK_BOT_TOKEN: 'not-a-bot-token-SECRET', SLACK_SIGNING_SECRET: secrets.SLACK_SIGNING_SECRET }),
    ];
    const text = JSON.stringify(outputs.map((result) => (result.ok ? result.warnings : result.errors)));
    for (const secret of [...Object.values(secrets), 'not-a-bot-token-SECRET']) expect(text).not.toContain(secret);
  });

  it('refuses secrets of the wrong kind or format at start, naming where the right one is', () => {
    expect(errors({ SLACK_BOT_TOKEN: 'xoxp-user-token-1234', SLACK_SIGNING_SECRET: 's', SLACK_APP_TOKEN: 'xapp-1' })).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET must be the app's Signing Secret: 32 hexadecimal characters .*got 1 character/),
      expect.stringMatching(/^SLACK_BOT_TOKEN must be the Bot User OAuth Token \(xoxb-…\).*got a user token, xoxp-/),
      expect.stringMatching(/^SLACK_APP_TOKEN must be an app-level token \(xapp-…\)/),
    ]);
    expect(errors({ ...secrets, SLACK_SIGNING_SECRET: 'g'.repeat(32) })).toEqual([expect.stringContaining('not all hexadecimal')]);
    expect(errors({ ...secrets, SLACK_SIGNING_SECRET: 'a'.repeat(31) })).toEqual([expect.stringContaining('got 31 character(s);')]);
  });

  it('warns when both receivers are set', () => {
    const result = read(secrets);
    expect(result.ok && result.warnings).toEqual([expect.stringContaining('Keycard uses Socket Mode')]);
  });

  it('validates SLACK_API_URL', () => {
    expect(errors({ ...secrets, SLACK_API_URL: 'not a url' })).toEqual([
      'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/',
    ]);
    expect(config({ ...secrets, SLACK_API_URL: 'http://127.0.0.1:9999/api/' }).slack?.apiUrl).toBe('http://127.0.0.1:9999/api/');
  });
});

describe('readConfig: Teams', () => {
  const app = { MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555', MICROSOFT_APP_PASSWORD: 'TEAMS-PASSWORD-SECRET' };
  const tenant = { MICROSOFT_APP_TENANT_ID: '99999999-8888-7777-6666-555555555555' };

  it('enables Teams with an app id and password (multi-tenant unless a tenant is given)', () => {
    const cfg = config(app);
    expect(cfg.mode).toBe('chat');
    expect(cfg.teams).toEqual({
      ...{ appId: app.MICROSOFT_APP_ID, appPassword: app.MICROSOFT_APP_PASSWORD },
      tenantId: undefined,
      appType: 'MultiTenant',
      allowUnauthenticated: false,
    });
    expect(config({ ...app, ...tenant }).teams?.appType).toBe('SingleTenant');
  });

  it('names the missing password, or the managed-identity alternative', () => {
    expect(errors({ MICROSOFT_APP_ID: app.MICROSOFT_APP_ID })).toEqual([
      'Teams is partially configured: set MICROSOFT_APP_PASSWORD (or MICROSOFT_APP_TYPE=UserAssignedMSI for a managed identity)',
    ]);
  });

  it('names the missing app id without repeating the password', () => {
    const [message, ...rest] = errors({ MICROSOFT_APP_PASSWORD: app.MICROSOFT_APP_PASSWORD });
    expect(rest).toEqual([]);
    expect(message).toMatch(/^Teams is partially configured: set MICROSOFT_APP_ID/);
    expect(message).not.toContain(app.MICROSOFT_APP_PASSWORD);
  });

  it('needs no password for a user-assigned managed identity, but needs its tenant', () => {
    const msi = { MICROSOFT_APP_ID: app.MICROSOFT_APP_ID, MICROSOFT_APP_TYPE: 'UserAssignedMSI' };
    expect(errors(msi)).toEqual([expect.stringContaining('set MICROSOFT_APP_TENANT_ID')]);
    expect(config({ ...msi, ...tenant }).teams).toMatchObject({ appType: 'UserAssignedMSI', appPassword: undefined });
  });

  it('requires a tenant for SingleTenant and rejects unknown app types', () => {
    expect(errors({ ...app, MICROSOFT_APP_TYPE: 'singletenant' })).toEqual([expect.stringContaining('set MICROSOFT_APP_TENANT_ID')]);
    expect(errors({ ...app, MICROSOFT_APP_TYPE: 'Personal' })).toEqual([
      'MICROSOFT_APP_TYPE must be one of SingleTenant, MultiTenant, UserAssignedMSI (got "Personal")',
    ]);
  });

  it('refuses KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED together with an app id, and rejects a non-boolean', () => {
    expect(errors({ ...app, KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED: 'true' })).toEqual([
      expect.stringContaining('KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED=true cannot be used with MICROSOFT_APP_ID'),
    ]);
    expect(errors({ ...app, KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED: 'maybe' })).toEqual([expect.stringContaining('must be true or false')]);
  });

  it('runs Teams in local mode without an app id when KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED is on, and warns', () => {
    const result = read({ KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED: 'true' });
    expect(result.ok && result.config.mode).toBe('chat');
    expect(result.ok && result.config.teams).toEqual({ appId: '', appType: 'MultiTenant', allowUnauthenticated: true });
    expect(result.ok && result.warnings).toEqual([expect.stringContaining('accepted from loopback only')]);
  });

  it('refuses app and tenant ids that are not GUIDs', () => {
    expect(errors({ ...app, MICROSOFT_APP_ID: 'my-bot', MICROSOFT_APP_TENANT_ID: 'contoso.com' })).toEqual([
      expect.stringMatching(/^MICROSOFT_APP_ID must be the bot's Microsoft App ID, a GUID/),
      expect.stringMatching(/^MICROSOFT_APP_TENANT_ID must be your Microsoft Entra tenant id, a GUID/),
    ]);
  });

  it('runs Slack and Teams side by side', () => {
    const cfg = config({ ...app, SLACK_BOT_TOKEN: 'xoxb-0000000000-token', SLACK_SIGNING_SECRET: 'a'.repeat(32) });
    expect(cfg.mode).toBe('chat');
    expect(cfg.slack).toBeDefined();
    expect(cfg.teams).toBeDefined();
  });
});

describe('readConfig: the metrics listener', () => {
  it('serves /metrics on loopback by default, without a token', () => {
    expect(config({}).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
  });

  it('refuses to serve /metrics beyond loopback without a token, naming the three ways out', () => {
    const [message] = errors({ KEYCARD_METRICS_HOST: '0.0.0.0' });
    expect(message).toMatch(/KEYCARD_METRICS_HOST=0\.0\.0\.0 would serve \/metrics beyond this machine without a token/);
    expect(message).toMatch(/KEYCARD_METRICS_TOKEN/);
    expect(message).toMatch(/KEYCARD_METRICS_HOST=127\.0\.0\.1/);
    expect(message).toMatch(/KEYCARD_METRICS_PORT=off/);
  });

  it('serves /metrics on any address with a token, and not at all when off', () => {
    const token = 'a'.repeat(32);
    expect(config({ KEYCARD_METRICS_HOST: '0.0.0.0', KEYCARD_METRICS_TOKEN: token }).metrics).toEqual({
      host: '0.0.0.0',
      port: 9464,
      token,
    });
    expect(config({ KEYCARD_METRICS_HOST: '0.0.0.0', KEYCARD_METRICS_PORT: 'off' }).metrics).toBeUndefined();
  });
});

describe('readConfig: DATABASE_PREPARED_STATEMENTS', () => {
  it('prepares statements by default, and not when off (any case, or false)', () => {
    expect(config({}).preparedStatements).toBe(true);
    expect(config({ DATABASE_PREPARED_STATEMENTS: 'on' }).preparedStatements).toBe(true);
    expect(config({ DATABASE_PREPARED_STATEMENTS: 'OFF' }).preparedStatements).toBe(false);
    expect(config({ DATABASE_PREPARED_STATEMENTS: 'false' }).preparedStatements).toBe(false);
    expect(config({ DATABASE_PREPARED_STATEMENTS: 'Protocol' }).preparedStatements).toBe('protocol');
  });

  it('refuses another value, naming the variable, the accepted values and why one would turn it off', () => {
    const [message] = errors({ DATABASE_PREPARED_STATEMENTS: 'sometimes' });
    expect(message).toMatch(/DATABASE_PREPARED_STATEMENTS must be "on" \(default\), "protocol" or "off"/);
    expect(message).toMatch(/PgBouncer/);
    expect(message).toMatch(/got "sometimes"/);
  });
});
