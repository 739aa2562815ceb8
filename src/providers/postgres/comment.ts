/** The COMMENT ON ROLE text that marks a role as Keycard's and carries what `list` needs back. */
export function grantComment(grantId: string, expiresAt: Date, resource: string): string {
  return `keycard grant ${encodeURIComponent(grantId)} expires ${expiresAt.toISOString()} resource ${encodeURIComponent(resource)}`;
}

export interface ParsedComment {
  grantId: string;
  expiresAt: Date;
  resource?: string;
}

/** Reads a comment written by grantComment; undefined when the role is not Keycard's. */
export function parseGrantComment(comment: string | null | undefined): ParsedComment | undefined {
  const match = /^keycard grant (\S+) expires (\S+)(?: resource (\S+))?$/.exec(comment ?? '');
  if (!match) return undefined;
  const [, grantId, expires, resource] = match;
  const expiresAt = new Date(expires!);
  if (Number.isNaN(expiresAt.getTime())) return undefined;
  try {
    return { grantId: decodeURIComponent(grantId!), expiresAt, ...(resource ? { resource: decodeURIComponent(resource) } : {}) };
  } catch {
    return undefined;
  }
}
