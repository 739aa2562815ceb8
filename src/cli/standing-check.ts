import type { Policy } from '../core/policy/schema.js';
import { silentLogger } from '../core/ports/runtime.js';
import type { StateStore } from '../core/ports/state.js';
import { countPrincipals, queryStanding, type StandingResult } from '../core/rollout/standing-access.js';
import { type Env, loadEnvironment } from '../main.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { CliIo } from './io.js';

/** How long `policy check` waits for all targets together; a check must stay quick, so slow targets are skipped. */
export const STANDING_CHECK_BUDGET_MS = 3_000;

/**
 * Advice for `policy check`: resources whose target reports standing access outside Keycard. Only
 * resources whose `connection:` secret is in the environment are asked (the check opens no database
 * and guesses no ambient credentials), all at once, within STANDING_CHECK_BUDGET_MS.
 */
export async function standingAccessWarnings(
  io: Pick<CliIo, 'cwd' | 'env'>,
  policy: Policy,
  registry: ProviderRegistry,
  budgetMs = STANDING_CHECK_BUDGET_MS,
): Promise<string[]> {
  const env = loadEnvironment(io.cwd, io.env);
  const names = Object.entries(policy.resources)
    .filter(([, r]) => r.connection !== undefined && Boolean(env[r.connection.slice(4)]) && registry.get(r.provider) !== undefined)
    .map(([name]) => name);
  if (names.length === 0) return [];
  await registry.load(names.map((name) => policy.resources[name]!.provider));
  const deps = providerDeps(registry, env);
  try {
    const results = await withinBudget(
      names.map((name) => queryStanding(deps, policy, name)),
      budgetMs,
    );
    return names.flatMap((name, i) => warningFor(name, results[i]));
  } finally {
    // Closing waits for pools; never let it hold the check up beyond a moment.
    await Promise.race([registry.closeAll().catch(() => undefined), delay(500)]);
  }
}

function warningFor(name: string, result: StandingResult | undefined): string[] {
  const path = `resources.${name}`;
  if (result === undefined)
    return [`${path}: standing access not checked (no answer within ${STANDING_CHECK_BUDGET_MS / 1000} s); run keycard inventory`];
  if (result.status === 'error') return [`${path}: standing access not checked (${result.message}); run keycard inventory`];
  if (result.status !== 'ok' || result.standing.length === 0) return [];
  const principals = [...new Set(result.standing.map((s) => s.principal))];
  const sample = principals.slice(0, 3).join(', ') + (principals.length > 3 ? ', …' : '');
  const count = countPrincipals(result.standing);
  return [
    `${path}: ${count} principal${count === 1 ? ' holds' : 's hold'} standing access outside Keycard (${sample}); see keycard inventory --resource ${name}`,
  ];
}

function providerDeps(registry: ProviderRegistry, env: Env) {
  const clock = { now: () => new Date() };
  const deps = { state: READ_NOTHING, log: silentLogger, clock, env };
  return {
    providers: { get: (kind: string) => (registry.get(kind) ? registry.instance(kind, deps) : undefined) },
    resolveSecret: (ref: string) => (ref.startsWith('env:') ? env[ref.slice(4)] : undefined),
  };
}

/** The check opens no database; providers asked here (connection-based ones) keep no state. */
const READ_NOTHING: StateStore = {
  put: async () => {
    throw new Error('policy check writes no provider state');
  },
  get: async () => undefined,
  delete: async () => false,
  list: async () => [],
  acquireLease: async () => false,
  releaseLease: async () => undefined,
  purgeExpiredLeases: async () => 0,
};

/** Each promise's value, or undefined for those still running when the budget ran out. */
async function withinBudget<T>(promises: Array<Promise<T>>, budgetMs: number): Promise<Array<T | undefined>> {
  const results: Array<T | undefined> = promises.map(() => undefined);
  const settled = Promise.all(
    promises.map(async (p, i) => {
      results[i] = await p;
    }),
  );
  await Promise.race([settled, delay(budgetMs)]);
  return [...results];
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
