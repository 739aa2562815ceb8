import { resolveResource } from '../policy/access.js';
import type { ProviderGrantInput, ProviderRevokeInput } from '../ports/provider.js';
import { ok, type Result, refuse } from '../result.js';
import type { AccessRequest } from '../types.js';
import type { CoreDeps } from './deps.js';

type Common = Omit<ProviderRevokeInput, 'ref' | 'now'>;

/** Builds what a provider needs for a grant from the policy, resolving `connection: env:VAR`. */
export function providerInput(deps: CoreDeps, request: AccessRequest): Result<Common> {
  const resource = resolveResource(deps.policy(), request.resource);
  if (!resource) return refuse('resource_removed', `${request.resource} is no longer in the policy`);
  let connection: string | undefined;
  if (resource.connection) {
    connection = deps.resolveSecret(resource.connection);
    if (!connection) {
      return refuse(
        'missing_secret',
        `${request.resource}'s connection ${resource.connection} is not set; set ${resource.connection.slice(4)} in Keycard's environment`,
      );
    }
  }
  const input: Common = {
    grantId: `KC-${request.number}`,
    requester: request.requester,
    resource: request.resource,
    level: request.level,
    levelConfig: (resource.levels[request.level] ?? {}) as Record<string, unknown>,
    resourceConfig: resource.config,
  };
  if (connection !== undefined) input.connection = connection;
  return ok(input);
}

export function grantInput(common: Common, expiresAt: Date, now: Date): ProviderGrantInput {
  return { ...common, expiresAt, now };
}

/** Error text safe to store and show: one line, no URL credentials, bounded length. */
export function describeError(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  return raw
    .replace(/\/\/[^/\s:@]+:[^/\s@]+@/g, '//***:***@')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
}
