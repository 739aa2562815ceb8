import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

export type Env = Readonly<Record<string, string | undefined>>;

export interface DotEnvResult {
  /** `env` plus the file's variables that `env` did not already set. */
  env: Record<string, string | undefined>;
  /** Names taken from the file (values are never reported; they may be secrets). */
  added: string[];
  found: boolean;
}

/**
 * Merges a `.env` file under the given environment: a variable already set in the real environment
 * wins, so deployments can override a developer's file. A missing file is not an error. Returns a
 * new object; the caller decides whether to copy it into process.env.
 */
export function loadDotEnv(path: string, env: Env): DotEnvResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT') {
      return { env: { ...env }, added: [], found: false };
    }
    throw error;
  }
  const merged: Record<string, string | undefined> = { ...env };
  const added: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined || merged[name] !== undefined) continue;
    merged[name] = value;
    added.push(name);
  }
  return { env: merged, added, found: true };
}
