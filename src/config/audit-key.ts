import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditKey, AuditKeyLookup } from '../core/audit/hash-chain.js';
import type { KeycardConfig } from './env.js';

/** The generated key of a zero-setup install, beside the embedded database (mode 0600). */
export const AUDIT_KEY_FILE = 'audit.key';

export interface AuditKeys {
  /** The key new events are written with. */
  current: AuditKey;
  /** The current key and every retired one, by id (verification of older events). */
  lookup: AuditKeyLookup;
  /** Where the current key came from, for the start-up log line (never the key itself). */
  source: 'KEYCARD_AUDIT_KEY' | 'generated file';
}

export class AuditKeyError extends Error {}

/** Default id: a short fingerprint, so a rotated key gets a new id without anyone choosing one. */
function fingerprint(secret: string): string {
  return `k-${createHash('sha256').update(secret).digest('hex').slice(0, 8)}`;
}

function parseRetired(text: string | undefined): AuditKey[] {
  if (!text) return [];
  return text.split(',').map((entry) => {
    const at = entry.indexOf(':');
    if (at <= 0 || at === entry.length - 1)
      throw new AuditKeyError(
        'KEYCARD_AUDIT_RETIRED_KEYS must be a comma-separated list of id:secret pairs (the ids and keys used before)',
      );
    return { id: entry.slice(0, at).trim(), secret: entry.slice(at + 1).trim() };
  });
}

function readOrCreateFile(dataDir: string, create: boolean): AuditKey | undefined {
  const path = join(dataDir, AUDIT_KEY_FILE);
  if (existsSync(path)) {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<AuditKey>;
    if (typeof parsed.id !== 'string' || typeof parsed.secret !== 'string' || parsed.secret.length < 32)
      throw new AuditKeyError(`${path} is not a Keycard audit key file; restore it from a backup, or move it away to start a new key`);
    return { id: parsed.id, secret: parsed.secret };
  }
  if (!create) return undefined;
  const secret = randomBytes(32).toString('hex');
  const key = { id: fingerprint(secret), secret };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, `${JSON.stringify(key)}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

/**
 * The audit chain's keys. KEYCARD_AUDIT_KEY (32+ characters, id KEYCARD_AUDIT_KEY_ID or its
 * fingerprint) wins; retired keys stay verifiable through KEYCARD_AUDIT_RETIRED_KEYS. Without it, a
 * zero-setup install generates a key into the data folder. Production (a chat platform on a shared
 * Postgres) never falls back to a generated key: replicas would each make their own, so start refuses.
 */
export function resolveAuditKeys(
  config: Pick<KeycardConfig, 'mode' | 'databaseUrl' | 'dataDir'>,
  env: Readonly<Record<string, string | undefined>>,
  options: { create: boolean } = { create: true },
): AuditKeys | undefined {
  const secret = env.KEYCARD_AUDIT_KEY?.trim();
  const retired = parseRetired(env.KEYCARD_AUDIT_RETIRED_KEYS?.trim());
  let current: AuditKey | undefined;
  let source: AuditKeys['source'] = 'KEYCARD_AUDIT_KEY';
  if (secret) {
    if (secret.length < 32)
      throw new AuditKeyError('KEYCARD_AUDIT_KEY must be at least 32 characters (e.g. the output of `openssl rand -hex 32`)');
    current = { id: env.KEYCARD_AUDIT_KEY_ID?.trim() || fingerprint(secret), secret };
  } else if (config.mode === 'chat' && config.databaseUrl) {
    throw new AuditKeyError(
      'KEYCARD_AUDIT_KEY is not set: in production (a chat platform on a Postgres server) the audit chain must be keyed with one key shared by every replica; set KEYCARD_AUDIT_KEY to the output of `openssl rand -hex 32` (keep it in your secret store)',
    );
  } else {
    current = readOrCreateFile(config.dataDir, options.create);
    source = 'generated file';
  }
  const all = [...(current ? [current] : []), ...retired];
  if (!current) return undefined;
  return { current, lookup: (id) => all.find((key) => key.id === id), source };
}

/** The keys for verification only: never creates a key file, and works without any key (unkeyed events only). */
export function auditKeysForVerify(
  config: Pick<KeycardConfig, 'mode' | 'databaseUrl' | 'dataDir'>,
  env: Readonly<Record<string, string | undefined>>,
): AuditKeyLookup {
  try {
    return resolveAuditKeys(config, env, { create: false })?.lookup ?? (() => undefined);
  } catch (error) {
    if (error instanceof AuditKeyError && !env.KEYCARD_AUDIT_KEY) return () => undefined;
    throw error;
  }
}
