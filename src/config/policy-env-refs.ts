import type { Policy } from '../core/policy/schema.js';

/** One environment variable the policy names, and where. */
export interface EnvReference {
  /** Dotted policy path, e.g. resources.prod-db.connection. */
  path: string;
  variable: string;
}

const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function walk(value: unknown, path: string[], out: EnvReference[]): void {
  if (typeof value === 'string') {
    const match = ENV_REF.exec(value);
    if (match) out.push({ path: path.join('.'), variable: match[1]! });
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, [...path, String(i)], out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    // Provider settings name variables by key (tokenEnv: VAR, kubeconfigEnv: VAR) as well as by env:VAR.
    if (/Env$/.test(key) && typeof child === 'string' && VAR_NAME.test(child))
      out.push({ path: [...path, key].join('.'), variable: child });
    else walk(child, [...path, key], out);
  }
}

/**
 * Every environment variable the policy needs at run time: `env:VAR` values anywhere and `…Env: VAR`
 * settings. Resources in pilot mode are skipped: nothing is granted there, so no secret is read.
 */
export function policyEnvReferences(policy: Policy | RawPolicyDocument): EnvReference[] {
  const out: EnvReference[] = [];
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return out;
  const { resources, ...rest } = policy as Record<string, unknown>;
  if (typeof resources === 'object' && resources !== null && !Array.isArray(resources)) {
    for (const [name, resource] of Object.entries(resources)) {
      if ((resource as { mode?: unknown } | null)?.mode === 'pilot') continue;
      walk(resource, ['resources', name], out);
    }
  }
  walk(rest, [], out);
  return out;
}

/** A policy file as YAML parsed it, before (or without) the schema: `policy check --env` reads its references even when the schema refuses it. */
export type RawPolicyDocument = unknown;

/** The references whose variable is unset or blank, as messages naming the variable, the path and the fix. */
export function missingEnvReferences(policy: Policy | RawPolicyDocument, env: Readonly<Record<string, string | undefined>>): string[] {
  return policyEnvReferences(policy)
    .filter((ref) => (env[ref.variable] ?? '').trim() === '')
    .map((ref) => `${ref.path} needs the environment variable ${ref.variable}, which is not set: set ${ref.variable} (or fix the policy)`);
}
