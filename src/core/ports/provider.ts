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
 * Someone who can reach a level of a resource today without Keycard (standing access), found by the
 * optional `inventory` capability. Provider-neutral: `via` says in the target's own terms how.
 */
export interface StandingAccess {
  level: string;
  /** The target's name for them: a login role, a user or group name, an Identity Center user id, an email. */
  principal: string;
  /** How they got access, e.g. "member of orders_readonly", "RoleBinding payments/oncall", "account assignment". */
  via: string;
  kind?: 'user' | 'group' | 'role' | 'serviceaccount';
}

/** The port every provider implements. Optional members are capabilities. */
export interface Provider {
  readonly kind: string;
  grant(input: ProviderGrantInput): Promise<GrantOutcome>;
  /** Idempotent: a grant already gone at the target is success. */
  revoke(input: ProviderRevokeInput): Promise<void>;
  list(input: ProviderListInput): Promise<ManagedGrant[]>;
  /** Moves the target's own expiry (e.g. Postgres VALID UNTIL) when a grant is extended. */
  extend?(input: ProviderRevokeInput & { expiresAt: Date }): Promise<void>;
  terminateSessions?(input: ProviderRevokeInput): Promise<number>;
  verifyRevoked?(input: ProviderRevokeInput): Promise<boolean>;
  /**
   * Read-only: who can reach each level outside Keycard (Keycard's own grants excluded). Throws a
   * ProviderError with code `unsupported` when the target turns out not to offer it (a webhook answering 404).
   */
  inventory?(input: ProviderListInput): Promise<StandingAccess[]>;
  close?(): Promise<void>;
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
  /** The target does not offer an optional capability (never retried). */
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
