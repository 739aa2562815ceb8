import { checkFlags, type ParsedArgs } from './args.js';
import { withContext } from './context.js';
import type { CliIo } from './io.js';

export async function migrateCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  checkFlags(args, {}, 'Usage: keycard migrate', 0);
  return withContext(
    io,
    async ({ config }) => {
      io.out(`migrations applied (${config.databaseUrl ? 'Postgres server from DATABASE_URL' : `embedded Postgres in ${config.dataDir}`})`);
      return 0;
    },
    { needsPolicy: false },
  );
}
