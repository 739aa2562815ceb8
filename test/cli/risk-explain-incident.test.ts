import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliIn } from '../helpers/run-cli.js';

async function explain(...extra: string[]) {
  const result = await runCliIn(['risk', 'explain', '--as', 'alice@example.com', 'demo-db', '--json', ...extra], {
    prefix: 'kc-explain-incident-',
  });
  return { ...result, created: existsSync(join(result.cwd, 'data', 'PG_VERSION')) };
}

describe('keycard risk explain --incident KEY', () => {
  it.each(['notakey', 'whatever-1', 'INC-'])('refuses %j, which incidents.keyPattern does not match, with exit 2', async (key) => {
    const result = await explain('--incident', key);
    expect(result.err).toContain(`keycard risk: --incident ${key} is not an incident key (incidents.keyPattern: INC-[0-9]+)`);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.created).toBe(false);
  });

  it('scores a key that matches, upper-cased', async () => {
    const result = await explain('--incident', 'inc-42');
    expect(result.code, result.err).toBe(0);
    expect(JSON.parse(result.out).assessment.factors.map((f: { id: string }) => f.id)).toContain('incident-unverified');
  });
});
