import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../src/config/load-dot-env.js';

function dotEnvFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'keycard-env-')), '.env');
  writeFileSync(path, text);
  return path;
}

describe('loadDotEnv', () => {
  it('adds variables the environment does not set, and never overrides the real environment', () => {
    const path = dotEnvFile('PORT=4000\nLOG_LEVEL=debug\n# a comment\nSLACK_BOT_TOKEN="xoxb-from file"\n');
    const env = { PORT: '5000', HOME: '/root' };
    const result = loadDotEnv(path, env);
    expect(result.env).toEqual({ PORT: '5000', HOME: '/root', LOG_LEVEL: 'debug', SLACK_BOT_TOKEN: 'xoxb-from file' });
    expect(result.added).toEqual(['LOG_LEVEL', 'SLACK_BOT_TOKEN']);
    expect(result.found).toBe(true);
    expect(env).toEqual({ PORT: '5000', HOME: '/root' });
  });

  it('keeps a variable the environment sets to an empty string', () => {
    const result = loadDotEnv(dotEnvFile('DATABASE_URL=postgres://db/keycard\n'), { DATABASE_URL: '' });
    expect(result.env.DATABASE_URL).toBe('');
    expect(result.added).toEqual([]);
  });

  it('is a no-op when there is no file', () => {
    const result = loadDotEnv(join(tmpdir(), 'keycard-missing', '.env'), { A: '1' });
    expect(result).toEqual({ env: { A: '1' }, added: [], found: false });
  });
});
