import { describe } from 'vitest';
import { silentLogger } from '../../../src/core/ports/runtime.js';
import { createPostgresProvider, postgresSchemas } from '../../../src/providers/postgres/index.js';
import { runProviderContract } from '../contract.js';
import { createPgFixture, testDatabaseUrl } from './pg-fixture.js';

const url = testDatabaseUrl();

describe.skipIf(!url)('postgres provider (real server)', () => {
  runProviderContract(
    'postgres',
    async () => {
      const fx = await createPgFixture(url!);
      const provider = createPostgresProvider({ log: silentLogger });
      return {
        provider,
        input: {
          requester: 'alice@example.com',
          resource: fx.resource,
          level: 'read',
          levelConfig: { role: fx.readRole },
          resourceConfig: {},
          connection: fx.adminUrl,
        },
        listInput: { resource: fx.resource, resourceConfig: {}, levels: { read: { role: fx.readRole } }, connection: fx.adminUrl },
        teardown: async () => {
          await provider.close?.();
          await fx.teardown();
        },
      };
    },
    {
      schemas: postgresSchemas,
      validLevelConfig: { role: 'orders_readonly' },
      invalidLevelConfig: { role: 'x"; DROP ROLE postgres; --' },
      sessions: 'count',
    },
  );
});
