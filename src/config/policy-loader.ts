import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { type Policy, policySchema } from '../core/policy/schema.js';
import type { ProviderSchemas } from '../core/ports/provider.js';
import { errorCodeOf } from '../core/result.js';
import type { Platform } from '../core/types.js';
import { issuesToPolicyErrors } from './format-issues.js';
import { policyErrorMap } from './issue-messages.js';
import { crossReferenceIssues } from './policy-cross-refs.js';
import { formatPath, formatPolicyErrors, type PolicyError, sortPolicyErrors } from './policy-errors.js';
import { policyWarnings } from './policy-warnings.js';
import { checkProviders, type ProviderCheckResult } from './provider-checks.js';
import { findDuplicateKeys } from './yaml-duplicate-keys.js';

export type PolicyLoadResult =
  | { ok: true; policy: Policy; warnings: string[] }
  /** `document`: the YAML as parsed, when the file parsed but the schema refused it (for checks that need no schema, like env references). */
  | { ok: false; errors: PolicyError[]; document?: unknown };

type ProviderSchemaMap = Readonly<Record<string, ProviderSchemas>>;

/** How a policy is read: the name its problems give the file, and the chat platforms that will run it. */
export interface PolicyLoadOptions {
  displayName?: string;
  /** The chat platforms the environment turns on: a tier or the alerts without a channel there is warned about. */
  platforms?: readonly Platform[];
}

/** Reads and validates a policy file. Never throws for a bad or missing file: every problem is in `errors`. */
export async function loadPolicyFile(
  path: string,
  providerSchemas: ProviderSchemaMap,
  options: PolicyLoadOptions = {},
): Promise<PolicyLoadResult> {
  const file = options.displayName ?? path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, errors: [{ file, path: '', message: readFailureMessage(error) }] };
  }
  return parsePolicyText(text, file, providerSchemas, options.platforms);
}

function readFailureMessage(error: unknown): string {
  const code = errorCodeOf(error) ?? 'unknown error';
  if (code === 'ENOENT') return 'file not found: set KEYCARD_POLICY to your policy file (start from manifests/policy.example.yaml)';
  if (code === 'EISDIR') return 'is a directory: set KEYCARD_POLICY to the policy YAML file itself';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied): let the Keycard user read it';
  return `cannot be read (${code})`;
}

/** Parses and validates policy YAML: syntax, duplicate keys, the policy schema, then each resource's provider schemas. */
export function parsePolicyText(
  text: string,
  file: string,
  providerSchemas: ProviderSchemaMap,
  platforms: readonly Platform[] = [],
): PolicyLoadResult {
  const lineCounter = new LineCounter();
  // uniqueKeys off: duplicates are found by our own walk, which can say which key and where it first was.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const syntaxErrors: PolicyError[] = doc.errors.map((error) => ({
    file,
    ...at(error.pos[0]),
    path: '',
    message:
      error.code === 'MULTIPLE_DOCS'
        ? 'the file holds more than one YAML document (a second "---"); keep the whole policy in one document'
        : `invalid YAML: ${error.message}`,
  }));
  const duplicates: PolicyError[] = findDuplicateKeys(doc, lineCounter).map((duplicate) => ({
    file,
    line: duplicate.line,
    column: duplicate.column,
    path: formatPath(duplicate.path),
    message: `duplicate key "${duplicate.key}" (first written on line ${duplicate.firstLine}; each key may appear once)`,
  }));
  // Validating a tree the parser had to guess at would bury the real mistake under follow-on errors.
  if (syntaxErrors.length > 0 || duplicates.length > 0) return { ok: false, errors: sortPolicyErrors([...syntaxErrors, ...duplicates]) };

  if (doc.contents === null) {
    return {
      ok: false,
      errors: [
        { file, path: '', message: 'the file is empty: a policy needs at least resources and tiers (see manifests/policy.example.yaml)' },
      ],
    };
  }
  if (!isMap(doc.contents)) {
    const found = isSeq(doc.contents) ? 'a list' : 'a single value';
    return {
      ok: false,
      errors: [
        {
          file,
          ...at(doc.contents.range?.[0] ?? 0),
          path: '',
          message: `the top level must be a mapping of sections (timezone, groups, resources, tiers, …), not ${found}`,
        },
      ],
    };
  }

  let raw: unknown;
  try {
    // A small alias budget keeps "billion laughs" documents from expanding without bound.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, errors: [{ file, path: '', message: `invalid YAML: ${error instanceof Error ? error.message : String(error)}` }] };
  }

  const parsed = policySchema.safeParse(raw, { error: policyErrorMap, reportInput: true });
  // The schema's own reference checks run only once every field parses; these run regardless (one run, every problem).
  const issues = parsed.success ? [] : [...parsed.error.issues, ...crossReferenceIssues(raw)];
  const schemaErrors = issuesToPolicyErrors(issues, { file, doc, lineCounter, schema: policySchema });
  const providers = checkProviders(raw, providerSchemas, { file, doc, lineCounter });
  if (!parsed.success || providers.errors.length > 0)
    return { ok: false, errors: sortPolicyErrors([...schemaErrors, ...providers.errors]), document: raw };

  const policy = withProviderSettings(parsed.data, providers);
  const yamlWarnings: PolicyError[] = doc.warnings.map((warning) => ({ file, ...at(warning.pos[0]), path: '', message: warning.message }));
  const warnings = sortPolicyErrors([...yamlWarnings, ...providers.warnings, ...policyWarnings(policy, file, doc, lineCounter, platforms)]);
  return { ok: true, policy, warnings: formatPolicyErrors(warnings) };
}

/** Swaps each resource's raw `config:` and level settings for its provider's parsed output (defaults filled, values coerced). */
function withProviderSettings(policy: Policy, providers: ProviderCheckResult): Policy {
  const resources: Policy['resources'] = {};
  for (const [name, resource] of Object.entries(policy.resources)) {
    const settings = providers.settings.get(name);
    resources[name] = settings === undefined ? resource : { ...resource, config: settings.config, levels: settings.levels };
  }
  return { ...policy, resources };
}
