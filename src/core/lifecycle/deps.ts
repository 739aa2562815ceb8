import type { Policy } from '../policy/schema.js';
import type { ChatPort, PlatformChat } from '../ports/chat.js';
import type { Directory } from '../ports/directory.js';
import type { IncidentResponderSource } from '../ports/incident-responders.js';
import type { OnCallSource } from '../ports/oncall.js';
import type { Provider } from '../ports/provider.js';
import type { Clock, IdSource, Logger } from '../ports/runtime.js';
import type { Store } from '../ports/store.js';
import type { ScoringCache } from '../risk/history-cache.js';

export interface ProviderLookup {
  get(kind: string): Provider | undefined;
}

/** Reliability knobs; defaults follow DESIGN.md §1 and the Vault revocation ladder (reference §3.2). */
export interface LifecycleSettings {
  /** How long a claim on a grant/revoke attempt is held before another replica may retry it. */
  claimLeaseMs: number;
  maxGrantAttempts: number;
  /**
   * First wait between revoke retries; it doubles per failure up to the policy's revocation.maxBackoff and
   * never stops (escalation after revocation.escalateAfter failures is the policy's too).
   */
  revokeBaseDelayMs: number;
  batchSize: number;
}

export const DEFAULT_SETTINGS: LifecycleSettings = {
  claimLeaseMs: 60_000,
  maxGrantAttempts: 3,
  revokeBaseDelayMs: 5_000,
  batchSize: 100,
};

/** Everything a use case needs, passed in; core does no I/O of its own. */
export interface CoreDeps {
  store: Store;
  /** The current policy (a getter so a reload takes effect without rewiring). */
  policy: () => Policy;
  providers: ProviderLookup;
  chat: ChatPort;
  /**
   * Each enabled chat platform on its own (what `chat` fans out to), for a message whose delivery is tracked
   * per platform so that a platform that failed is retried alone (the weekly approver report).
   */
  chatPlatforms: readonly PlatformChat[];
  clock: Clock;
  ids: IdSource;
  /** Uniform [0,1), for backoff jitter. */
  random: () => number;
  log: Logger;
  /** Resolves `env:VAR` references from the policy to their values. */
  resolveSecret: (ref: string) => string | undefined;
  settings: LifecycleSettings;
  /** Who people are (requester attributes, identity matching); `createPolicyDirectory` when no source is configured. */
  directory: Directory;
  /** Who is on call (policy rotations, PagerDuty). Absent: the policy's rotations. */
  onCall?: OnCallSource;
  /** Who responds to a cited incident (its Slack channel's members). Absent: nobody is known to respond (on call still counts). */
  incidentResponders?: IncidentResponderSource;
  /** Per-requester cache of scoring's history reads (risk.thresholds.historyCacheStaleness). Absent: every score reads the store. */
  scoringCache?: ScoringCache;
}
