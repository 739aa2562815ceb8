import { randomUUID } from 'node:crypto';
import type { Logger as PinoLogger } from 'pino';
import { createChatFanout } from './chat/fanout.js';
import { type DirectorySetup, setupDirectory } from './cli/directory-setup.js';
import { AuditKeyError, type AuditKeys, resolveAuditKeys } from './config/audit-key.js';
import { type KeycardConfig, readConfig } from './config/env.js';
import { loadDotEnv } from './config/load-dot-env.js';
import { missingEnvReferences } from './config/policy-env-refs.js';
import { formatPolicyErrors } from './config/policy-errors.js';
import { loadPolicyFile } from './config/policy-loader.js';
import { createPolicyDirectory } from './core/directory/policy-directory.js';
import { type CoreDeps, DEFAULT_SETTINGS, type LifecycleSettings } from './core/lifecycle/deps.js';
import { anyPlatformResponder } from './core/lifecycle/incident-responder.js';
import { combineOnCall, createPolicyOnCall } from './core/oncall/policy-schedule.js';
import type { Policy } from './core/policy/schema.js';
import type { PlatformChat } from './core/ports/chat.js';
import type { IncidentResponderSource } from './core/ports/incident-responders.js';
import type { OnCallSource } from './core/ports/oncall.js';
import type { Provider } from './core/ports/provider.js';
import type { Clock } from './core/ports/runtime.js';
import type { Store } from './core/ports/store.js';
import { createScoringCache } from './core/risk/history-cache.js';
import { startHistoryFeed } from './core/risk/history-feed.js';
import type { Platform } from './core/types.js';
import { createLogger } from './logging/create-logger.js';
import { createKeycardMetrics, instrumentProvider, instrumentStore, type KeycardMetrics } from './metrics/index.js';
import { createPagerDutyIncidentResponders, createPagerDutyOnCall } from './oncall/index.js';
import { builtinProviderFactories } from './providers/builtin.js';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.js';
import { StartupError } from './startup-error.js';

// Its own module, so the CLI can recognise it without importing the whole composition root.
export { StartupError } from './startup-error.js';

export type Env = Record<string, string | undefined>;

/** process.env plus a .env file in cwd (the real environment wins). */
export function loadEnvironment(cwd: string, env: Env = process.env): Env {
  const result = loadDotEnv(`${cwd}/.env`, env);
  return { ...result.env };
}

export interface LoadedSettings {
  config: KeycardConfig;
  warnings: string[];
  env: Env;
}

export function loadSettings(env: Env, cwd: string): LoadedSettings {
  const result = readConfig(env, { cwd });
  if (!result.ok)
    throw new StartupError(['Keycard cannot start: the configuration has problems.', ...result.errors.map((e) => `  - ${e}`)]);
  return { config: result.config, warnings: result.warnings, env };
}

export function createProviders(): ProviderRegistry {
  return createProviderRegistry(builtinProviderFactories);
}

export async function loadPolicy(
  path: string,
  registry: ProviderRegistry,
  platforms: readonly Platform[] = [],
): Promise<{ policy: Policy; warnings: string[] }> {
  const result = await loadPolicyFile(path, registry.schemas(), { platforms });
  if (!result.ok)
    throw new StartupError([
      `The policy file has ${result.errors.length} problem(s):`,
      ...formatPolicyErrors(result.errors).map((l) => `  ${l}`),
    ]);
  // Only the providers this policy uses are imported (with their SDKs).
  await registry.load(Object.values(result.policy.resources).map((resource) => resource.provider));
  return { policy: result.policy, warnings: result.warnings };
}

/** The audit chain's keys for this configuration; a problem is a startup error naming the fix. */
export function loadAuditKeys(config: KeycardConfig, env: Env): AuditKeys | undefined {
  try {
    return resolveAuditKeys(config, env);
  } catch (error) {
    if (error instanceof AuditKeyError) throw new StartupError([`Keycard cannot start: ${error.message}`]);
    throw error;
  }
}

/** How often a running Keycard also chains audit events it did not write (left by a replica that stopped). */
const AUDIT_SWEEP_MS = 2_000;

/** Opens the database; `serving` (keycard start) also sweeps for unchained audit events every few seconds. */
export async function openStore(
  config: KeycardConfig,
  log: PinoLogger,
  clock: Clock,
  auditKeys?: AuditKeys,
  serving = false,
): Promise<Store> {
  // Imported here so commands that never open the database do not load its drivers.
  const { createStore, openDatabase, runMigrations } = await import('./store/index.js');
  const handle = await openDatabase({
    ...(config.databaseUrl ? { url: config.databaseUrl } : {}),
    dataDir: config.dataDir,
    log,
    preparedStatements: config.preparedStatements,
  });
  try {
    await runMigrations(handle);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return createStore(handle, {
    clock,
    log,
    ...(auditKeys ? { auditKey: auditKeys.current, auditKeyLookup: auditKeys.lookup } : {}),
    ...(serving ? { auditSweepMs: AUDIT_SWEEP_MS } : {}),
  });
}

export interface Keycard {
  deps: CoreDeps;
  config: KeycardConfig;
  policy: Policy;
  store: Store;
  registry: ProviderRegistry;
  log: PinoLogger;
  metrics: KeycardMetrics;
  /** Directory sources (SCIM, Slack, Entra, Okta) when configured. */
  directory: DirectorySetup | undefined;
  /** The audit chain's keys (checkpoints are signed with the current one). */
  auditKeys: AuditKeys | undefined;
  close(): Promise<void>;
}

export interface BootOptions {
  env: Env;
  cwd: string;
  /** The enabled chat platforms, each named (the fan-out logs a platform's failure by its name). */
  chat: PlatformChat[];
  /**
   * Each chat platform's view of who responds to an incident (its channel's members); none in the console.
   * PagerDuty's, when the policy names it, is added here.
   */
  incidentResponders?: IncidentResponderSource[];
  log?: PinoLogger;
  clock?: Clock;
  settings?: Partial<LifecycleSettings>;
  /** Default log level when LOG_LEVEL is unset (the console keeps the terminal quiet). */
  quietByDefault?: boolean;
  /** Prometheus metrics; created here when the caller has none (the chat server creates them first to wrap its adapters). */
  metrics?: KeycardMetrics;
}

/** The composition root: the only place that wires config, policy, store, providers and chat together. */
export async function bootKeycard(options: BootOptions): Promise<Keycard> {
  const { config, warnings } = loadSettings(options.env, options.cwd);
  const level = options.env.LOG_LEVEL ? config.logLevel : options.quietByDefault ? 'warn' : config.logLevel;
  const log = options.log ?? createLogger({ level, pretty: process.stderr.isTTY });
  for (const warning of warnings) log.warn(warning);
  const clock = options.clock ?? { now: () => new Date() };
  const registry = createProviders();
  const platforms = options.chat.map((c) => c.platform);
  const { policy, warnings: policyWarnings } = await loadPolicy(config.policyPath, registry, platforms);
  for (const warning of policyWarnings) log.warn({ policy: config.policyPath }, warning);
  // A missing secret found now, not after someone approved a request that needs it.
  const missingEnv = missingEnvReferences(policy, options.env);
  if (missingEnv.length > 0)
    throw new StartupError(['Keycard cannot start: the policy needs secrets that are not set.', ...missingEnv.map((m) => `  - ${m}`)]);
  const metrics = options.metrics ?? createKeycardMetrics({ log });
  const auditKeys = loadAuditKeys(config, options.env);
  if (auditKeys) log.info({ keyId: auditKeys.current.id, source: auditKeys.source }, 'audit chain keyed');
  const database = await openStore(config, log, clock, auditKeys, true);
  metrics.readGrantsFrom(database, clock);
  metrics.preset({ providers: [...new Set(Object.values(policy.resources).map((resource) => resource.provider))] });
  // Lifecycle metrics come from the audit events each transaction commits; the core is not touched.
  const store = instrumentStore(database, metrics.onCommitted, log);
  const providerDeps = { state: store.state, log, clock, env: options.env };
  const instrumented = new Map<string, Provider>();
  const provider = (kind: string): Provider | undefined => {
    if (!registry.get(kind)) return undefined;
    let wrapped = instrumented.get(kind);
    if (!wrapped) {
      wrapped = instrumentProvider(registry.instance(kind, providerDeps), metrics.onProviderCall);
      instrumented.set(kind, wrapped);
    }
    return wrapped;
  };
  const onCall = createOnCall(policy, options.env, log);
  const pagerDutyResponders = createPagerDutyResponders(policy, options.env, clock);
  const incidentResponders = [...(options.incidentResponders ?? []), ...(pagerDutyResponders ? [pagerDutyResponders] : [])];
  const ids = { uuid: randomUUID };
  const directory = await setupDirectory(config.directory, { store, policy: () => policy, clock, ids, log, observer: metrics.directory });
  const scoringCache = createScoringCache({ now: () => clock.now().getTime() });
  // A quarter of the staleness bound, so a snapshot is refreshed well before it would age out on a busy loop.
  const historyFeed = startHistoryFeed({
    cache: scoringCache,
    read: (since) => store.historyChanges(since),
    everyMs: () => Math.min(30_000, Math.max(100, policy.risk.thresholds.historyCacheStaleness / 4)),
    log,
  });
  const deps: CoreDeps = {
    store,
    // With a directory, the policy's directory references resolve to their members and leavers drop out of every group.
    policy: directory ? directory.runtime.policy : () => policy,
    directory: directory?.runtime.directory ?? createPolicyDirectory(() => policy),
    providers: { get: provider },
    chat: createChatFanout(options.chat, log),
    chatPlatforms: options.chat,
    clock,
    ids,
    random: Math.random,
    log,
    resolveSecret: (ref) => (ref.startsWith('env:') ? options.env[ref.slice(4)] : undefined),
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    ...(onCall ? { onCall } : {}),
    ...(incidentResponders.length ? { incidentResponders: anyPlatformResponder(incidentResponders) } : {}),
    scoringCache,
  };
  directory?.runtime.attach(deps);
  log.info({ policy: config.policyPath, database: config.databaseUrl ? 'postgres' : 'pglite', mode: config.mode }, 'keycard ready');
  return {
    deps,
    config,
    policy,
    store,
    registry,
    log,
    metrics,
    directory,
    auditKeys,
    async close() {
      await historyFeed.stop();
      await directory?.runtime.drain();
      await registry.closeAll().catch((error: unknown) => log.warn({ err: String(error) }, 'closing providers failed'));
      await store.close();
    },
  };
}

/** Policy rotations plus PagerDuty when the policy names it; a missing token is a startup error. */
export function createOnCall(policy: Policy, env: Env, log: PinoLogger): OnCallSource | undefined {
  const pd = policy.onCall.pagerduty;
  if (!pd) return undefined;
  const token = env[pd.tokenEnv];
  if (!token)
    throw new StartupError([
      `The policy asks PagerDuty who is on call (onCall.pagerduty) but ${pd.tokenEnv} is not set: set it to a PagerDuty REST API token.`,
    ]);
  return combineOnCall(
    [
      createPolicyOnCall(() => policy),
      createPagerDutyOnCall({
        token,
        tokenEnv: pd.tokenEnv,
        scheduleIds: pd.scheduleIds,
        ...(pd.apiUrl ? { apiUrl: pd.apiUrl } : {}),
        log,
      }),
    ],
    (error) => log.warn({ err: error instanceof Error ? error.message : String(error) }, 'on-call source failed'),
  );
}

/**
 * PagerDuty's answer to "does this person respond to INC-4211?" (the incident's assignees, acknowledgers and
 * joined responders) when the policy names PagerDuty, unless its `incidentNumber` is off. The token is
 * checked by createOnCall, which runs first.
 */
export function createPagerDutyResponders(policy: Policy, env: Env, clock: Clock): IncidentResponderSource | undefined {
  const pd = policy.onCall.pagerduty;
  const token = pd ? env[pd.tokenEnv] : undefined;
  if (!pd || !token || pd.incidentNumber === 'off') return undefined;
  return createPagerDutyIncidentResponders({
    token,
    tokenEnv: pd.tokenEnv,
    incidentNumber: pd.incidentNumber,
    ...(pd.apiUrl ? { apiUrl: pd.apiUrl } : {}),
    clock,
  });
}
