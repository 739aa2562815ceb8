import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { findBundledPolicy, MODULE_DIR } from './bundled-policy.js';
import { readSlackEnv, readTeamsEnv, type SlackConfig, type TeamsConfig } from './chat-env.js';
import { readCheckpointAlerts } from './checkpoint-alerts-env.js';
import { type DirectoryConfig, readDirectoryEnv } from './directory-env.js';
import type { Env } from './load-dot-env.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the policy path came from, so startup can say "using the bundled example policy". */
export type PolicySource = 'env' | 'cwd' | 'bundled';

export interface KeycardConfig {
  /** `console` when neither Slack nor Teams is configured: the terminal is the chat surface. */
  mode: 'console' | 'chat';
  /** A Postgres server; absent means embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /**
   * Hot statements are prepared by name on each Postgres connection (off behind a pooler that cannot keep them;
   * `protocol`: only protocol-level named statements, which PgBouncer 1.21+ keeps, never SQL PREPARE).
   */
  preparedStatements: boolean | 'protocol';
  /** Signs /activity ingest and authenticates the Kubernetes audit webhook; the routes exist only when set. */
  activitySecret?: string;
  /** Absolute path of the data folder (PGlite files, lock file). */
  dataDir: string;
  /** Absolute path of the policy file. */
  policyPath: string;
  policySource: PolicySource;
  port: number;
  logLevel: LogLevel;
  slack?: SlackConfig;
  teams?: TeamsConfig;
  /** Prometheus /metrics on its own listener; absent when KEYCARD_METRICS_PORT=off. */
  metrics?: MetricsConfig;
  /** Directory sources (SCIM, Slack user groups, Entra ID, Okta) and their refresh settings. */
  directory: DirectoryConfig;
}

export interface MetricsConfig {
  host: string;
  port: number;
  /** Bearer token GET /metrics must carry, when set. */
  token?: string;
}

export type ConfigResult = { ok: true; config: KeycardConfig; warnings: string[] } | { ok: false; errors: string[] };

export interface ReadConfigOptions {
  /** Base for relative paths and for finding ./keycard.yaml. Default: process.cwd(). */
  cwd?: string;
  fileExists?: (path: string) => boolean;
  /** Where the search for the bundled example policy starts. Default: this module's folder. */
  moduleDir?: string;
}

export const DEFAULT_DATA_DIR = './.keycard';
export const DEFAULT_POLICY_FILE = 'keycard.yaml';
export const DEFAULT_PORT = 3000;
export const DEFAULT_METRICS_PORT = 9464;
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/**
 * Scheme check only: pg's own parser accepts forms WHATWG URL rejects, such as a Unix socket
 * (postgres://keycard@/keycard?host=/var/run/postgresql), and reports the rest when connecting.
 */
function isPostgresUrl(value: string): boolean {
  return /^postgres(?:ql)?:\/\/\S+$/i.test(value);
}

function portError(issue: { input?: unknown }): string {
  return `PORT must be a whole number from 0 to 65535, e.g. PORT=3000 (got "${String(issue.input)}")`;
}

// Each message names the variable and the fix. DATABASE_URL holds a password, so its value is never repeated.
const coreEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, {
      error:
        'DATABASE_URL must be a postgres:// or postgresql:// URL, e.g. postgres://keycard:PASSWORD@db.internal:5432/keycard (unset it to use the embedded database in KEYCARD_DATA_DIR)',
    })
    .optional(),
  DATABASE_PREPARED_STATEMENTS: z
    .string()
    .transform((value) => value.trim().toLowerCase())
    .pipe(
      z.enum(['on', 'off', 'true', 'false', 'protocol'], {
        error: (issue) =>
          `DATABASE_PREPARED_STATEMENTS must be "on" (default), "protocol" or "off" (behind PgBouncer in transaction pooling mode: "protocol" with max_prepared_statements on PgBouncer 1.21+, else "off"; got "${String(issue.input)}")`,
      }),
    )
    .optional(),
  KEYCARD_DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
  KEYCARD_POLICY: z.string().optional(),
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, { error: portError })
    .transform(Number)
    .refine((port) => port <= 65_535, { error: portError })
    .optional(),
  KEYCARD_ACTIVITY_SECRET: z
    .string()
    .min(16, { error: 'KEYCARD_ACTIVITY_SECRET must be at least 16 characters (e.g. the output of `openssl rand -hex 32`)' })
    .optional(),
  KEYCARD_METRICS_PORT: z
    .string()
    .regex(/^(\d{1,5}|off)$/i, {
      error: (issue) =>
        `KEYCARD_METRICS_PORT must be a port number (default ${DEFAULT_METRICS_PORT}) or "off" (got "${String(issue.input)}")`,
    })
    .optional(),
  KEYCARD_METRICS_HOST: z.string().optional(),
  KEYCARD_METRICS_TOKEN: z
    .string()
    .min(16, { error: 'KEYCARD_METRICS_TOKEN must be at least 16 characters (e.g. the output of `openssl rand -hex 32`)' })
    .optional(),
  LOG_LEVEL: z
    .string()
    .transform((level) => level.toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { error: (issue) => `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${String(issue.input)}")` }))
    .optional(),
});

/** Trims values and treats blank ones as unset, so `PORT=` in a .env file means "use the default". */
function normalise(env: Env): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    const trimmed = value?.trim();
    out[name] = trimmed === '' ? undefined : trimmed;
  }
  return out;
}

function defaultPolicy(
  cwd: string,
  fileExists: (path: string) => boolean,
  moduleDir: string,
): { path: string; source: PolicySource } | undefined {
  const local = resolve(cwd, DEFAULT_POLICY_FILE);
  if (fileExists(local)) return { path: local, source: 'cwd' };
  const bundled = findBundledPolicy(moduleDir, fileExists);
  return bundled === undefined ? undefined : { path: bundled, source: 'bundled' };
}

/**
 * Reads Keycard's settings from an environment. A pure function of its inputs apart from the
 * file-existence probe for the default policy (injectable); never throws for bad input: every
 * problem comes back as a message naming the variable and how to fix it.
 */
export function readConfig(env: Env = process.env, options: ReadConfigOptions = {}): ConfigResult {
  const cwd = options.cwd ?? process.cwd();
  const fileExists = options.fileExists ?? existsSync;
  const vars = normalise(env);
  const errors: string[] = [];
  const warnings: string[] = [];

  const core = coreEnvSchema.safeParse(vars);
  if (!core.success) errors.push(...core.error.issues.map((issue) => issue.message));

  const slack = readSlackEnv(vars);
  const teams = readTeamsEnv(vars);
  const directory = readDirectoryEnv(vars);
  errors.push(...slack.errors, ...teams.errors, ...directory.errors);
  const checkpointAlerts = readCheckpointAlerts(vars);
  if (!checkpointAlerts.ok) errors.push(checkpointAlerts.message);
  warnings.push(...slack.warnings, ...teams.warnings, ...directory.warnings);

  let policy: { path: string; source: PolicySource } | undefined;
  if (vars.KEYCARD_POLICY !== undefined) policy = { path: resolve(cwd, vars.KEYCARD_POLICY), source: 'env' };
  else {
    policy = defaultPolicy(cwd, fileExists, options.moduleDir ?? MODULE_DIR);
    if (policy === undefined) {
      errors.push(`KEYCARD_POLICY is not set and there is no ./${DEFAULT_POLICY_FILE}: set KEYCARD_POLICY=/path/to/policy.yaml`);
    }
  }

  const metrics = core.success ? readMetrics(core.data, errors) : undefined;
  if (!core.success || errors.length > 0 || policy === undefined || directory.config === undefined) return { ok: false, errors };
  const { DATABASE_URL, DATABASE_PREPARED_STATEMENTS, KEYCARD_DATA_DIR, PORT, LOG_LEVEL, KEYCARD_ACTIVITY_SECRET } = core.data;
  return {
    ok: true,
    warnings,
    config: {
      mode: slack.config === undefined && teams.config === undefined ? 'console' : 'chat',
      databaseUrl: DATABASE_URL,
      preparedStatements:
        DATABASE_PREPARED_STATEMENTS === 'protocol'
          ? 'protocol'
          : DATABASE_PREPARED_STATEMENTS !== 'off' && DATABASE_PREPARED_STATEMENTS !== 'false',
      activitySecret: KEYCARD_ACTIVITY_SECRET,
      dataDir: resolve(cwd, KEYCARD_DATA_DIR),
      policyPath: policy.path,
      policySource: policy.source,
      port: PORT ?? DEFAULT_PORT,
      logLevel: LOG_LEVEL ?? 'info',
      slack: slack.config,
      teams: teams.config,
      ...(metrics ? { metrics } : {}),
      directory: directory.config,
    },
  };
}

function readMetrics(
  vars: {
    KEYCARD_METRICS_PORT?: string | undefined;
    KEYCARD_METRICS_HOST?: string | undefined;
    KEYCARD_METRICS_TOKEN?: string | undefined;
  },
  errors: string[],
): MetricsConfig | undefined {
  if (vars.KEYCARD_METRICS_PORT?.toLowerCase() === 'off') return undefined;
  const port = vars.KEYCARD_METRICS_PORT === undefined ? DEFAULT_METRICS_PORT : Number(vars.KEYCARD_METRICS_PORT);
  if (port > 65_535) errors.push(`KEYCARD_METRICS_PORT must be at most 65535 (got ${port})`);
  const host = vars.KEYCARD_METRICS_HOST ?? DEFAULT_METRICS_HOST;
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  // Metrics name resources, people's request counts and error rates: beyond loopback they are served only with a token.
  if (!loopback && vars.KEYCARD_METRICS_TOKEN === undefined)
    errors.push(
      `KEYCARD_METRICS_HOST=${host} would serve /metrics beyond this machine without a token: set KEYCARD_METRICS_TOKEN (16+ characters, e.g. \`openssl rand -hex 32\`; Prometheus sends it as a bearer token), or KEYCARD_METRICS_HOST=127.0.0.1, or KEYCARD_METRICS_PORT=off`,
    );
  return { host, port, ...(vars.KEYCARD_METRICS_TOKEN ? { token: vars.KEYCARD_METRICS_TOKEN } : {}) };
}
