import type { z } from 'zod';
import type { Clock, Logger } from './runtime.js';
import type { StateStore } from './state.js';

/** One grant as the provider sees it. `grantId` is Keycard's id (KC-<n>), used to label the grant at the target. */
export interface ProviderGrantInput {
  grantId: string;
  requester: string;
  resource: string;
  level: string;
  /** The level's provider-specific settings from the policy (validated by the provider's schema). */
  levelConfig: Record<string, unknown>;
  /** The resource's provider-specific settings (`config:` in the policy), validated. */
  resourceConfig: Record<string, unknown>;
  /** The resolved connection secret (from `connection: env:VAR`), if the resource has one. */
  connection?: string;
  expiresAt: Date;
  now: Date;
}

/** A credential delivered once to the requester. `secret` never reaches the store, the audit log or the log. */
export interface Credential {
  /** Safe-to-show summary ("login role kc_alice_12 on orders-db"). */
  summary: string;
  /** The secret material: a password, connection string, token or kubeconfig. */
  secret: string;
  /** Extra non-secret fields (host, username, expiry). */
  fields?: Record<string, string>;
}

export interface GrantOutcome {
  /** Opaque handle stored with the grant and given back on revoke (no secrets). */
  ref: Record<string, unknown>;
  credential?: Credential;
}

export interface ProviderRevokeInput {
  grantId: string;
  requester: string;
  resource: string;
  level: string;
  levelConfig: Record<string, unknown>;
  resourceConfig: Record<string, unknown>;
  connection?: string;
  ref: Record<string, unknown> | null;
  now: Date;
}

/** What the provider manages at the target, for reconciliation. */
export interface ManagedGrant {
  grantId: string;
  ref: Record<string, unknown>;
  principal?: string;
  expiresAt?: Date;
}

export interface ProviderListInput {
  resource: string;
  resourceConfig: Record<string, unknown>;
  levels: Record<string, Record<string, unknown>>;
  connection?: string;
}

/**
 * Someone who can reach a level of a resource today without Keycard (standing access), found by
 * `inventory`. Provider-neutral: `via` says in the target's own terms how.
 */
export interface StandingAccess {
  level: string;
  /** The target's name for them: a login role, a user or group name, an Identity Center user id, an email. */
  principal: string;
  /** How they got access, e.g. "member of orders_readonly", "RoleBinding payments/oncall", "account assignment". */
  via: string;
  kind?: 'user' | 'group' | 'role' | 'serviceaccount';
}

/** The input of `extend`: the grant as for revoke, plus its new expiry. */
export type ProviderExtendInput = ProviderRevokeInput & { expiresAt: Date };

/**
 * The port every provider implements. Every member is required: a provider that cannot do something
 * implements it explicitly (a ProviderError with code `unsupported` and a message saying what to do
 * instead, or an honest no-op such as `close` for a provider that holds nothing open), so the core never
 * skips a capability in silence.
 */
export interface Provider {
  readonly kind: string;
  grant(input: ProviderGrantInput): Promise<GrantOutcome>;
  /** Idempotent: a grant already gone at the target is success. */
  revoke(input: ProviderRevokeInput): Promise<void>;
  /** Everything at the target that looks like Keycard's (name prefix, label, comment), for reconciliation. */
  list(input: ProviderListInput): Promise<ManagedGrant[]>;
  /**
   * Moves the target's own expiry (Postgres VALID UNTIL, a binding's annotation, a record) to the grant's
   * new expiry. Throws `unsupported` when this grant cannot be extended at the target; Keycard then
   * refuses the extension rather than move only its own record.
   */
  extend(input: ProviderExtendInput): Promise<void>;
  /** Ends the grant's open sessions; returns how many. `unsupported` where the target has no sessions to end. */
  terminateSessions(input: ProviderRevokeInput): Promise<number>;
  /** True when nothing of the grant is left at the target. */
  verifyRevoked(input: ProviderRevokeInput): Promise<boolean>;
  /**
   * Read-only: who can reach each level outside Keycard (Keycard's own grants excluded). Throws a
   * ProviderError with code `unsupported` when the target does not offer it (a webhook answering 404).
   */
  inventory(input: ProviderListInput): Promise<StandingAccess[]>;
  /** Releases connections and clients; a provider holding none resolves at once. */
  close(): Promise<void>;
}

/**
 * Every member of the provider port, checked by the compiler in both directions, so wrappers (metrics)
 * can forward each one generically and a test can prove none is dropped.
 */
export const PROVIDER_PORT_METHODS = {
  grant: true,
  revoke: true,
  list: true,
  extend: true,
  terminateSessions: true,
  verifyRevoked: true,
  inventory: true,
  close: true,
} as const satisfies { readonly [K in Exclude<keyof Provider, 'kind'>]-?: true };

export type ProviderPortMethod = keyof typeof PROVIDER_PORT_METHODS;

/** True for the `unsupported` code: the target cannot do this at all (never retried). */
export function isUnsupported(error: unknown): boolean {
  return error instanceof ProviderError && error.code === 'unsupported';
}

/** Validation schemas a provider contributes to policy checking. */
export interface ProviderSchemas {
  /** Validates a resource's `config:` block. */
  resourceConfig: z.ZodType<Record<string, unknown>>;
  /** Validates each level's settings. */
  levelConfig: z.ZodType<Record<string, unknown>>;
  /** Whether the resource must name a `connection: env:VAR`. */
  requiresConnection: boolean;
}

/** Vendor-neutral provider failures; each adapter maps its target's errors into these. */
export const PROVIDER_ERROR_CODES = [
  'auth_failed',
  'not_found',
  'rate_limited',
  'unavailable',
  'invalid_config',
  'conflict',
  /** The target cannot do what was asked (extend a fixed-lifetime token, an inventory it lacks); never retried. */
  'unsupported',
  'unknown',
] as const;
export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number];

export class ProviderError extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options);
    this.name = 'ProviderError';
    this.retryable = options?.retryable ?? (code === 'rate_limited' || code === 'unavailable' || code === 'unknown');
  }
  readonly retryable: boolean;
}

/** What the composition root hands a provider factory. */
export interface ProviderDeps {
  state: StateStore;
  log: Logger;
  clock: Clock;
  env: Readonly<Record<string, string | undefined>>;
}

/** Each provider folder exports one of these; the registry is keyed by `kind` (the policy's `provider:`). */
export interface ProviderFactory {
  readonly kind: string;
  readonly description: string;
  readonly schemas: ProviderSchemas;
  create(deps: ProviderDeps): Provider;
}
