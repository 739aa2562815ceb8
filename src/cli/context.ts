import { randomUUID } from 'node:crypto';
import type { KeycardConfig } from '../config/env.js';
import { type CoreDeps, DEFAULT_SETTINGS } from '../core/lifecycle/deps.js';
import type { Policy } from '../core/policy/schema.js';
import { createSilentChat } from '../core/ports/forward-chat.js';
import type { Store } from '../core/ports/store.js';
import { createLogger } from '../logging/create-logger.js';
import { createProviders, loadAuditKeys, loadEnvironment, loadPolicy, loadSettings, openStore } from '../main.js';
import type { CliIo } from './io.js';

export interface CliContext {
  config: KeycardConfig;
  policy: Policy;
  store: Store;
  deps: CoreDeps;
}

/** Opens config, policy and the database for a one-shot CLI command, and always closes them. */
export async function withContext<T>(io: CliIo, fn: (ctx: CliContext) => Promise<T>, options: { needsPolicy?: boolean } = {}): Promise<T> {
  const env = loadEnvironment(io.cwd, io.env);
  const { config } = loadSettings(env, io.cwd);
  const log = createLogger({ level: env.LOG_LEVEL ? config.logLevel : 'warn', pretty: false });
  const registry = createProviders();
  const policy = options.needsPolicy === false ? undefined : (await loadPolicy(config.policyPath, registry)).policy;
  const clock = { now: () => new Date() };
  const store = await openStore(config, log, clock, loadAuditKeys(config, env));
  try {
    const deps: CoreDeps = {
      store,
      policy: () => {
        if (!policy) throw new Error('policy not loaded');
        return policy;
      },
      providers: { get: (kind) => (registry.get(kind) ? registry.instance(kind, { state: store.state, log, clock, env }) : undefined) },
      chat: createSilentChat(),
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
