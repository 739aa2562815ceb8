import { randomUUID } from 'node:crypto';
import { createPolicyDirectory } from '../../src/core/directory/policy-directory.js';
import { type CoreDeps, DEFAULT_SETTINGS } from '../../src/core/lifecycle/deps.js';
import type { Policy } from '../../src/core/policy/schema.js';
import type { Provider } from '../../src/core/ports/provider.js';
import type { Clock } from '../../src/core/ports/runtime.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { Store } from '../../src/core/ports/store.js';
import type { NewAccessRequest } from '../../src/core/types.js';
import { createStore, openDatabase, runMigrations } from '../../src/store/index.js';
import { makePolicy } from '../fixtures/policy.js';
import { freshPostgresDatabase } from '../helpers/db.js';
import { createRecordingChat } from '../helpers/harness.js';
import type { ScriptedProvider } from '../helpers/scripted-provider.js';

/** N Keycard replicas (own pool, own deps) on one real Postgres database, sharing a provider, a clock and a policy. */
export async function createReplicaSet(count: number, provider: Provider, clock: Clock, policy: Policy = makePolicy()) {
  const database = await freshPostgresDatabase();
  const stores: Store[] = [];
  for (let i = 0; i < count; i += 1) {
    const handle = await openDatabase({ url: database.url, dataDir: 'memory://', log: silentLogger, poolMax: 4 });
    await runMigrations(handle);
    stores.push(createStore(handle, { clock }));
  }
  const replicas: CoreDeps[] = stores.map((store) => {
    const chat = createRecordingChat();
    return {
      store,
      policy: () => policy,
      directory: createPolicyDirectory(() => policy),
      providers: { get: (k) => (k === 'demo' ? provider : undefined) },
      chat,
      chatPlatforms: [{ platform: 'console', chat }],
      clock,
      ids: { uuid: randomUUID },
      random: () => 0.5,
      log: silentLogger,
      resolveSecret: () => undefined,
      settings: DEFAULT_SETTINGS,
    };
  });
  return {
    replicas,
    url: database.url,
    async close() {
      for (const store of stores) await store.close();
      await database.dispose();
    },
  };
}

/** Inserts active grants directly (as if granted earlier), `expiresAt(i)` each, and plants them at the provider. */
export async function seedActiveGrants(
  store: Store,
  provider: ScriptedProvider,
  count: number,
  expiresAt: (i: number) => Date,
  activatedAt: Date,
): Promise<void> {
  const batch = 250;
  for (let start = 0; start < count; start += batch) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(count, start + batch); i += 1) {
        const number = await tx.nextRequestNumber();
        const request: NewAccessRequest & { number: number } = {
          id: randomUUID(),
          number,
          kind: 'access',
          parentId: null,
          requester: `user${i}@example.com`,
          resource: 'demo-db',
          level: 'read',
          durationMs: expiresAt(i).getTime() - activatedAt.getTime(),
          reason: 'seeded',
          incidentKey: null,
          breakGlass: false,
          status: 'active',
          score: 20,
          tier: 'medium',
          factors: [],
          approvalsRequired: 1,
          approverGroups: ['sre'],
          distinctGroups: false,
          approvalExpiresAt: null,
          remindAt: null,
          remindedAt: null,
          createdAt: activatedAt,
          decidedAt: activatedAt,
          decisionNote: null,
          activatedAt,
          expiresAt: expiresAt(i),
          endedAt: null,
          endReason: null,
          endedBy: null,
          provider: 'demo',
          grantRef: {},
          credentialFingerprint: null,
          attempts: 0,
          nextAttemptAt: null,
          lastError: null,
          noticesSent: [],
          nextNoticeAt: null,
          reviewRequired: false,
          reviewedBy: null,
          reviewedAt: null,
          origin: { platform: 'console' },
        };
        await tx.insertRequest(request);
        provider.live.set(`KC-${number}`, { requester: request.requester, expiresAt: expiresAt(i), resource: 'demo-db' });
      }
    });
  }
}
