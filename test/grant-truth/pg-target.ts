import type { LifecycleSettings } from '../../src/core/lifecycle/deps.js';
import type { Policy } from '../../src/core/policy/schema.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { createPostgresProvider, type PostgresProvider } from '../../src/providers/postgres/index.js';
import { basePolicyInput, makePolicy } from '../fixtures/policy.js';
import type { StoreKind } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { createPgFixture, type PgFixture } from '../providers/postgres/pg-fixture.js';

/** The env var the real-Postgres resource's admin URL is read from. */
export const PG_SECRET = 'env:ORDERS_PG_ADMIN';

export function pgPolicy(fx: PgFixture, overrides: Partial<Parameters<typeof makePolicy>[0]> = {}): Policy {
  return makePolicy({
    ...overrides,
    resources: {
      ...basePolicyInput.resources,
      [fx.resource]: {
        description: 'Orders (real Postgres)',
        provider: 'postgres',
        sensitivity: 'high',
        connection: PG_SECRET,
        levels: { read: { role: fx.readRole }, write: { role: fx.writeRole } },
        minDuration: '10s',
        maxDuration: '4h',
        maxTotalDuration: '8h',
      },
    },
  });
}

export interface PgHarness extends Harness {
  fx: PgFixture;
  /** The resource's policy name (unique per fixture, so its roles' comments name it and teardown finds them). */
  resource: string;
  /**
   * A requester unique to this fixture: login role names derive from requester and grant id, and roles are
   * server-wide, so two test files granting KC-1 to the same person would share a role.
   */
  requester: string;
  pg: PostgresProvider;
  /** Points the resource's admin URL somewhere else (a refused port) or back. */
  setAdminUrl(url: string): void;
  rolValidUntil(role: string): Promise<Date | null | undefined>;
}

/** A harness (fake clock starting at the real now) whose `orders-pg` resource is a real Postgres target. */
export async function createPgHarness(
  superUrl: string,
  kind: StoreKind,
  options: { policy?: (fx: PgFixture) => Policy; settings?: Partial<LifecycleSettings> } = {},
): Promise<PgHarness> {
  const fx = await createPgFixture(superUrl);
  const pg = createPostgresProvider({ log: silentLogger });
  const start = new Date(Math.floor(Date.now() / 1000) * 1000);
  const h = await createHarness(kind, {
    policy: (options.policy ?? pgPolicy)(fx),
    start,
    providers: { postgres: pg },
    ...(options.settings ? { settings: options.settings } : {}),
  });
  let adminUrl = fx.adminUrl;
  h.deps.resolveSecret = (ref) => (ref === PG_SECRET ? adminUrl : undefined);
  return {
    ...h,
    fx,
    pg,
    resource: fx.resource,
    requester: `alice${fx.id}@example.com`,
    setAdminUrl: (url) => {
      adminUrl = url;
    },
    async rolValidUntil(role) {
      const res = await fx.query<{ until: Date | null }>('SELECT rolvaliduntil AS until FROM pg_roles WHERE rolname = $1', [role]);
      return res.rows.length === 0 ? undefined : res.rows[0]!.until;
    },
    async close() {
      await pg.close();
      await h.close();
      await fx.teardown();
    },
  };
}
