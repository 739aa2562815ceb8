import { randomUUID } from 'node:crypto';
import type { KeycardConfig } from '../config/env.js';
import { createPolicyDirectory } from '../core/directory/policy-directory.js';
import { type CoreDeps, DEFAULT_SETTINGS } from '../core/lifecycle/deps.js';
import type { Policy } from '../core/policy/schema.js';
import { createSilentChat } from '../core/ports/forward-chat.js';
import type { Store } from '../core/ports/store.js';
import { createLogger } from '../logging/create-logger.js';
import { createProviders, loadAuditKeys, loadEnvironment, loadPolicy, loadSettings, openStore } from '../main.js';
import type { CliIo } from './io.js';
import { openReadStore } from './read-store.js';

export interface CliContext {
  config: KeycardConfig;
  policy: Policy;
  store: Store;
  deps: CoreDeps;
}

/**
 * Opens config, policy and the database for a one-shot CLI command, and always closes them. With
 * `readOnly`, an embedded database that does not exist yet is not created: the command reads an empty one.
 */
export async function withContext<T>(
  io: CliIo,
  fn: (ctx: CliContext) => Promise<T>,
  options: {
    needsPolicy?: boolean;
    readOnly?: boolean /** Used instead of the configured policy (a command's --policy FILE). */;
    policy?: Policy;
  } = {},
): Promise<T> {
  const env = loadEnvironment(io.cwd, io.env);
  const { config } = loadSettings(env, io.cwd);
  const log = createLogger({ level: env.LOG_LEVEL ? config.logLevel : 'warn', pretty: false });
  const registry = createProviders();
  const policy = options.policy ?? (options.needsPolicy === false ? undefined : (await loadPolicy(config.policyPath, registry)).policy);
  const clock = { now: () => new Date() };
  const auditKeys = loadAuditKeys(config, env);
  const store = options.readOnly ? await openReadStore(config, log, clock, auditKeys) : await openStore(config, log, clock, auditKeys);
  try {
    const currentPolicy = () => {
      if (!policy) throw new Error('policy not loaded');
      return policy;
    };
    const deps: CoreDeps = {
      store,
      policy: currentPolicy,
      directory: createPolicyDirectory(currentPolicy),
      providers: { get: (kind) => (registry.get(kind) ? registry.instance(kind, { state: store.state, log, clock, env }) : undefined) },
      chat: createSilentChat(),
      chatPlatforms: [],
      clock,
      ids: { uuid: randomUUID },
      random: Math.random,
      log,
      resolveSecret: (ref) => env[ref.slice(4)],
      settings: DEFAULT_SETTINGS,
    };
    return await fn({ config, policy: policy as Policy, store, deps });
  } finally {
    await registry.closeAll().catch(() => undefined);
    await store.close();
  }
}
