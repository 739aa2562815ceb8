/**
 * Directory group references as the policy writes them: `slack:@db-owners` (a Slack user group handle),
 * `entra:<group object id>`, `okta:DB Owners` (an Okta group name) and `scim:db-owners` (a group an identity
 * provider pushed over SCIM). A plain name (`sre`) is one of the policy's own groups.
 */
export const DIRECTORY_SOURCES = ['slack', 'entra', 'okta', 'scim'] as const;
export type DirectorySourceName = (typeof DIRECTORY_SOURCES)[number];

export interface DirectoryReference {
  source: DirectorySourceName;
  /** The group as the source names it: the Slack handle (without @), the Entra object id, the Okta or SCIM display name. */
  name: string;
  /** The reference exactly as written in the policy, which is also the key under the effective policy's groups. */
  ref: string;
}

const POLICY_GROUP_RE = /^[a-z][a-z0-9-]{0,62}$/;
const SLACK_HANDLE_RE = /^@[a-z0-9][a-z0-9._-]{0,79}$/i;
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for `slack:…`, `entra:…`, `okta:…`, `scim:…` (well-formed or not). */
export function looksLikeDirectoryReference(text: string): boolean {
  return DIRECTORY_SOURCES.some((source) => text.startsWith(`${source}:`));
}

/** Parses a directory reference; undefined for a policy group name or anything malformed. */
export function parseDirectoryReference(text: string): DirectoryReference | undefined {
  return describeGroupReferenceProblem(text) === undefined && looksLikeDirectoryReference(text) ? toReference(text) : undefined;
}

function toReference(text: string): DirectoryReference {
  const colon = text.indexOf(':');
  const source = text.slice(0, colon) as DirectorySourceName;
  const rest = text.slice(colon + 1);
  return { source, name: source === 'slack' ? rest.slice(1) : rest, ref: text };
}

/** Why a group entry (policy group or directory reference) is malformed, or undefined when it is fine. */
export function describeGroupReferenceProblem(text: string): string | undefined {
  if (!looksLikeDirectoryReference(text)) {
    if (text.includes(':')) {
      return `"${text}" is not a group: use a policy group name, or a directory reference starting with ${DIRECTORY_SOURCES.map((s) => `${s}:`).join(', ')}`;
    }
    return POLICY_GROUP_RE.test(text)
      ? undefined
      : `"${text}" is not a group name (lowercase letters, digits and dashes, starting with a letter)`;
  }
  const colon = text.indexOf(':');
  const source = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (rest.trim() === '' || rest !== rest.trim()) return `"${text}" names no group after "${source}:"`;
  if (rest.length > 256) return `"${text}" is longer than 256 characters`;
  if (source === 'slack' && !SLACK_HANDLE_RE.test(rest))
    return `"${text}": a Slack user group is named by its handle, e.g. slack:@db-owners`;
  if (source === 'entra' && !GUID_RE.test(rest))
    return `"${text}": an Entra group is named by its object id, e.g. entra:0b1d5a8e-6c1f-4c53-9d8e-2f0e4f1b7a11`;
  return undefined;
}

/** Every directory reference the policy uses (approvers, escalation, reviewers, resource requesters), de-duplicated. */
export function directoryReferences(groupEntries: Iterable<string>): DirectoryReference[] {
  const seen = new Map<string, DirectoryReference>();
  for (const entry of groupEntries) {
    const parsed = parseDirectoryReference(entry);
    if (parsed && !seen.has(parsed.ref)) seen.set(parsed.ref, parsed);
  }
  return [...seen.values()];
}
