import type {
  GrantOutcome,
  ManagedGrant,
  Provider,
  ProviderGrantInput,
  ProviderRevokeInput,
  StandingAccess,
} from '../../src/core/ports/provider.js';
import { ProviderError } from '../../src/core/ports/provider.js';

/**
 * A provider whose target is an in-memory map and whose failures are scripted: fail the next N
 * grants or revokes (retryably or not), or hang until released. Used for lifecycle and fault tests.
 */
export interface ScriptedProvider extends Provider {
  live: Map<string, { requester: string; expiresAt: Date; resource?: string }>;
  calls: Array<{ op: 'grant' | 'revoke' | 'extend'; grantId: string }>;
  failGrants(count: number, retryable?: boolean): void;
  failRevokes(count: number): void;
  /** Fails the next N extends with `code` (default unavailable). */
  failExtends(count: number, code?: 'unavailable' | 'unsupported' | 'not_found'): void;
  /** What inventory reports (standing access at the fake target). */
  standing: StandingAccess[];
  hangGrants(): () => void;
  /** Makes revokes wait until the returned release function is called; `started` resolves when one is waiting. */
  hangRevokes(): { release: () => void; started: Promise<void> };
}

export function createScriptedProvider(kind: string): ScriptedProvider {
  const live = new Map<string, { requester: string; expiresAt: Date; resource?: string }>();
  const calls: ScriptedProvider['calls'] = [];
  let grantFailures = 0;
  let grantRetryable = false;
  let revokeFailures = 0;
  let extendFailures = 0;
  let extendCode: 'unavailable' | 'unsupported' | 'not_found' = 'unavailable';
  const standing: StandingAccess[] = [];
  let hang: Promise<void> | undefined;
  let revokeHang: Promise<void> | undefined;
  let revokeStarted = () => {};
  return {
    kind,
    live,
    calls,
    failGrants(count, retryable = false) {
      grantFailures = count;
      grantRetryable = retryable;
    },
    failRevokes(count) {
      revokeFailures = count;
    },
    failExtends(count, code = 'unavailable') {
      extendFailures = count;
      extendCode = code;
    },
    standing,
    hangGrants() {
      let release = () => {};
      hang = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        hang = undefined;
        release();
      };
    },
    hangRevokes() {
      let release = () => {};
      revokeHang = new Promise((resolve) => {
        release = resolve;
      });
      const started = new Promise<void>((resolve) => {
        revokeStarted = resolve;
      });
      return {
        started,
        release: () => {
          revokeHang = undefined;
          release();
        },
      };
    },
    async grant(input: ProviderGrantInput): Promise<GrantOutcome> {
      calls.push({ op: 'grant', grantId: input.grantId });
      if (hang) await hang;
      if (grantFailures > 0) {
        grantFailures -= 1;
        throw new ProviderError(grantRetryable ? 'unavailable' : 'invalid_config', 'target refused the grant', {
          retryable: grantRetryable,
        });
      }
      live.set(input.grantId, { requester: input.requester, expiresAt: input.expiresAt, resource: input.resource });
      return { ref: { user: `u_${input.grantId}` }, credential: { summary: `user u_${input.grantId}`, secret: `s3cret-${input.grantId}` } };
    },
    async revoke(input: ProviderRevokeInput): Promise<void> {
      calls.push({ op: 'revoke', grantId: input.grantId });
      if (revokeHang) {
        revokeStarted();
        await revokeHang;
      }
      if (revokeFailures > 0) {
        revokeFailures -= 1;
        throw new ProviderError('unavailable', 'target unreachable');
      }
      live.delete(input.grantId);
    },
    async extend(input) {
      calls.push({ op: 'extend', grantId: input.grantId });
      if (extendFailures > 0) {
        extendFailures -= 1;
        throw new ProviderError(extendCode, extendCode === 'unsupported' ? 'this target cannot extend' : 'target unreachable', {
          retryable: extendCode === 'unavailable',
        });
      }
      const entry = live.get(input.grantId);
      if (entry) entry.expiresAt = input.expiresAt;
    },
    async list(input): Promise<ManagedGrant[]> {
      // Entries planted by a test without a resource belong to every resource's target (shared server).
      return [...live]
        .filter(([, v]) => v.resource === undefined || v.resource === input.resource)
        .map(([grantId, v]) => ({ grantId, ref: {}, principal: v.requester, expiresAt: v.expiresAt }));
    },
    async verifyRevoked(input) {
      return !live.has(input.grantId);
    },
    async terminateSessions(input) {
      return live.has(input.grantId) ? 1 : 0;
    },
    async inventory() {
      return [...standing];
    },
    async close() {},
  };
}
