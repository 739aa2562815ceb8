/** One problem found in a policy file, located as precisely as the YAML allows. */
/** A warning before it is located in the file: the policy path it is about and what to say. */
export interface PolicyFinding {
  path: PropertyKey[];
  message: string;
}

export interface PolicyError {
  file: string;
  /** 1-based line of the offending node (or its nearest existing parent). */
  line?: number;
  /** 1-based column. */
  column?: number;
  /** Dotted path into the policy, e.g. `resources.prod-db.maxDuration`; empty for file-level problems. */
  path: string;
  message: string;
}

export type PolicyPath = readonly PropertyKey[];

/** Renders a path as people write it: `tiers.medium.approvers[0]`, `groups["odd key"]`. */
export function formatPath(path: PolicyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(String(segment))) out += out === '' ? String(segment) : `.${String(segment)}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** `keycard.yaml:14:5 resources.prod-db.maxDuration: "4x" is not a duration (…)` */
export function formatPolicyError(error: PolicyError): string {
  const where = error.line === undefined ? error.file : `${error.file}:${error.line}:${error.column ?? 1}`;
  return error.path === '' ? `${where} ${error.message}` : `${where} ${error.path}: ${error.message}`;
}

export function formatPolicyErrors(errors: readonly PolicyError[]): string[] {
  return errors.map(formatPolicyError);
}

/** Orders problems as they appear in the file, so the output reads top to bottom; drops exact repeats. */
export function sortPolicyErrors(errors: readonly PolicyError[]): PolicyError[] {
  const seen = new Set<string>();
  const unique = errors.filter((error) => {
    const key = formatPolicyError(error);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
