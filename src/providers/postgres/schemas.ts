import { z } from 'zod';
import type { ProviderSchemas } from '../../core/ports/provider.js';

/** Plain SQL identifiers only: the group role name is also escaped, this just keeps policies readable. */
const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, { message: 'must be a plain SQL identifier (letters, digits, _ or $; at most 63)' });

export const postgresLevelConfigSchema = z
  .object({
    role: identifier.describe('Existing NOLOGIN group role whose privileges this level grants (e.g. orders_readonly)'),
  })
  .strict();

export const postgresResourceConfigSchema = z
  .object({
    connectionLimit: z.number().int().min(1).max(100).default(3).describe('CONNECTION LIMIT of each temporary login role'),
    dropOwned: z
      .boolean()
      .default(false)
      .describe('On revoke, REASSIGN OWNED BY the role TO the admin and DROP OWNED BY it (current database only) before DROP ROLE'),
    connectTimeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('Timeout for connecting to the server'),
    statementTimeoutMs: z.number().int().min(100).max(300_000).default(30_000).describe('Timeout for each administrative statement'),
  })
  .strict();

export type PostgresLevelConfig = z.output<typeof postgresLevelConfigSchema>;
export type PostgresResourceConfig = z.output<typeof postgresResourceConfigSchema>;

export const postgresSchemas: ProviderSchemas = {
  resourceConfig: postgresResourceConfigSchema,
  levelConfig: postgresLevelConfigSchema,
  requiresConnection: true,
};
