import type { Document, LineCounter } from 'yaml';
import type { ProviderSchemas } from '../core/ports/provider.js';
import { didYouMean } from './did-you-mean.js';
import { issuesToPolicyErrors } from './format-issues.js';
import { policyErrorMap } from './issue-messages.js';
import { formatPath, type PolicyError } from './policy-errors.js';
import { locatePath } from './yaml-locate.js';

/** A resource's provider settings after its provider's schemas parsed them. */
export interface ValidatedProviderSettings {
  config: Record<string, unknown>;
  levels: Record<string, Record<string, unknown>>;
}

export interface ProviderCheckResult {
  errors: PolicyError[];
  warnings: PolicyError[];
  /** Keyed by resource name; only resources whose provider settings all passed. */
  settings: Map<string, ValidatedProviderSettings>;
}

interface CheckContext {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The provider pass: the policy schema cannot know what each provider needs, so every resource is
 * checked against its provider's own schemas. It runs on the raw YAML values, even when the policy
 * schema failed, so one run reports both kinds of mistakes; shapes the policy schema already rejects
 * (a non-mapping `config:`, a non-string `provider:`) are skipped here to avoid saying it twice.
 */
export function checkProviders(
  raw: unknown,
  providers: Readonly<Record<string, ProviderSchemas>>,
  context: CheckContext,
): ProviderCheckResult {
  const result: ProviderCheckResult = { errors: [], warnings: [], settings: new Map() };
  const resources = isPlainObject(raw) ? raw.resources : undefined;
  if (!isPlainObject(resources)) return result;
  const kinds = Object.keys(providers).sort();
  const at = (path: PropertyKey[], message: string, where: PropertyKey[] = path): PolicyError => {
    const position = locatePath(context.doc, context.lineCounter, where);
    return { file: context.file, line: position?.line, column: position?.column, path: formatPath(path), message };
  };

  for (const [name, resource] of Object.entries(resources)) {
    if (!isPlainObject(resource) || typeof resource.provider !== 'string') continue;
    const base = ['resources', name];
    const kind = resource.provider;
    const schemas = Object.hasOwn(providers, kind) ? providers[kind] : undefined;
    if (schemas === undefined) {
      result.errors.push(at([...base, 'provider'], unknownProviderMessage(kind, kinds)));
      continue;
    }
    const owner = `the ${kind} provider`;
    const errorsBefore = result.errors.length;
    const issueContext = { ...context, owner };

    const rawConfig = resource.config === undefined ? {} : resource.config;
    let config: Record<string, unknown> | undefined;
    if (isPlainObject(rawConfig)) {
      const parsed = schemas.resourceConfig.safeParse(rawConfig, { error: policyErrorMap, reportInput: true });
      if (parsed.success) config = parsed.data;
      else
        result.errors.push(
          ...issuesToPolicyErrors(parsed.error.issues, { ...issueContext, schema: schemas.resourceConfig, prefix: [...base, 'config'] }),
        );
    }

    const levels: Record<string, Record<string, unknown>> = {};
    if (isPlainObject(resource.levels)) {
      for (const [level, settings] of Object.entries(resource.levels)) {
        // `read:` with nothing after it is YAML null: the level simply has no settings.
        const rawSettings = settings ?? {};
        if (!isPlainObject(rawSettings)) continue;
        const parsed = schemas.levelConfig.safeParse(rawSettings, { error: policyErrorMap, reportInput: true });
        if (parsed.success) levels[level] = parsed.data;
        else
          result.errors.push(
            ...issuesToPolicyErrors(parsed.error.issues, {
              ...issueContext,
              schema: schemas.levelConfig,
              prefix: [...base, 'levels', level],
            }),
          );
      }
    }

    if (schemas.requiresConnection && resource.connection === undefined) {
      result.errors.push(
        at(
          [...base, 'connection'],
          `is required by ${owner}: add connection: env:VARIABLE naming the environment variable that holds its connection secret`,
        ),
      );
    } else if (!schemas.requiresConnection && resource.connection !== undefined) {
      result.warnings.push(at([...base, 'connection'], `is ignored: ${owner} does not use a connection`));
    }

    if (result.errors.length === errorsBefore && config !== undefined) result.settings.set(name, { config, levels });
  }
  return result;
}

function unknownProviderMessage(kind: string, kinds: string[]): string {
  if (kinds.length === 0) return `unknown provider "${kind}" (no providers are registered)`;
  const suggestion = didYouMean(kind, kinds);
  const hint = suggestion === undefined ? '' : `did you mean "${suggestion}"? `;
  return `unknown provider "${kind}" (${hint}known: ${kinds.join(', ')})`;
}
