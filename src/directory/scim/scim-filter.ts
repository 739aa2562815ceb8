import { badRequest } from './scim-schema.js';

export interface EqFilter {
  attribute: string;
  value: string;
}

const EQ = /^\s*([A-Za-z][\w.]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/** The `attr eq "value"` filters Okta and Entra send (userName, displayName, externalId); anything else is refused. */
export function parseFilter(filter: string | null, allowed: readonly string[]): EqFilter | undefined {
  if (filter === null || filter.trim() === '') return undefined;
  const match = EQ.exec(filter);
  const attribute = allowed.find((a) => a.toLowerCase() === match?.[1]?.toLowerCase());
  if (!match || !attribute)
    throw badRequest(
      'invalidFilter',
      `Keycard supports filters of the form ${allowed.map((a) => `${a} eq "…"`).join(' or ')} (got ${JSON.stringify(filter)})`,
    );
  return { attribute, value: match[2]!.replace(/\\(.)/g, '$1') };
}
