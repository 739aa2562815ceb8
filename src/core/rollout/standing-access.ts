import type { ProviderLookup } from '../lifecycle/deps.js';
import { describeError } from '../lifecycle/provider-input.js';
import { resolveResource } from '../policy/access.js';
import type { Policy } from '../policy/schema.js';
import { ProviderError, type StandingAccess } from '../ports/provider.js';

/** What asking one resource's provider for standing access gave. */
export type StandingResult =
  | { status: 'ok'; standing: StandingAccess[] }
  /** The provider (or, for a webhook, the receiver) does not offer inventory. */
  | { status: 'unsupported'; message: string }
  /** The resource's `connection:` secret is not in the environment. */
  | { status: 'no_secret'; message: string }
  | { status: 'error'; message: string };

export interface StandingDeps {
  providers: ProviderLookup;
  resolveSecret: (ref: string) => string | undefined;
}

/** Asks the resource's provider who reaches it outside Keycard. Read-only; never throws for a provider failure. */
export async function queryStanding(deps: StandingDeps, policy: Policy, name: string): Promise<StandingResult> {
  const resource = resolveResource(policy, name);
  if (!resource) return { status: 'error', message: `unknown resource "${name}"` };
  const provider = deps.providers.get(resource.provider);
  if (!provider) return { status: 'error', message: `no provider "${resource.provider}" is installed` };
  let connection: string | undefined;
  if (resource.connection) {
    connection = deps.resolveSecret(resource.connection);
    if (!connection) return { status: 'no_secret', message: `set ${resource.connection.slice(4)} to read ${name}'s standing access` };
  }
  try {
    const standing = await provider.inventory({
      resource: name,
      resourceConfig: resource.config,
      levels: resource.levels as Record<string, Record<string, unknown>>,
      ...(connection !== undefined ? { connection } : {}),
    });
    return { status: 'ok', standing };
  } catch (error) {
    if (error instanceof ProviderError && error.code === 'unsupported') return { status: 'unsupported', message: describeError(error) };
    return { status: 'error', message: describeError(error) };
  }
}

/** Distinct principals (a person reaching two levels counts once). */
export function countPrincipals(standing: readonly StandingAccess[]): number {
  return new Set(standing.map((s) => s.principal)).size;
}
