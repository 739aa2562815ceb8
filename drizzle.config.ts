import { defineConfig } from 'drizzle-kit';

// `drizzle-kit generate` needs no database; `check`/`migrate`/`studio` use DATABASE_URL when it is set.
// Never point studio or migrate at a live PGlite data folder: PGlite takes no lock of its own.
const url = process.env.DATABASE_URL;

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './migrations',
  ...(url ? { dbCredentials: { url } } : {}),
});
