import { createHash } from 'node:crypto';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'keycard';
export const GRANT_LABEL = 'keycard.dev/grant-id';
export const RESOURCE_LABEL = 'keycard.dev/resource';

/** Annotations hold the exact values (labels must be sanitised, annotations need not be). */
export const ANNOTATION = {
  grantId: 'keycard.dev/grant-id',
  requester: 'keycard.dev/requester',
  resource: 'keycard.dev/resource',
  level: 'keycard.dev/level',
  expiresAt: 'keycard.dev/expires-at',
} as const;

/** Every object Keycard creates is named `keycard-…`; revoke refuses to touch anything else. */
export const OBJECT_NAME_RE = /^keycard-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A label value / DNS-1123 label from any string: lower-cased, runs of other characters turned into
 * `-`, at most `max` characters. When that changed more than the case (or had to cut), a short hash of
 * the exact input is appended so two different ids never map to the same name.
 */
export function labelSafe(value: string, max = 63): string {
  const lower = value.toLowerCase();
  const slug = lower
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (slug === lower && slug.length > 0 && slug.length <= max) return slug;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  const head = slug.slice(0, max - hash.length - 1).replace(/-+$/, '');
  return head ? `${head}-${hash}` : hash;
}

/** `keycard-<grant id lower-cased>`: the binding and ServiceAccount name, at most 63 characters. */
export function objectNameFor(grantId: string): string {
  return `keycard-${labelSafe(grantId, 63 - 'keycard-'.length)}`;
}

export interface GrantMeta {
  grantId: string;
  requester: string;
  resource: string;
  level: string;
  expiresAt: Date;
}

export function labelsFor(meta: Pick<GrantMeta, 'grantId' | 'resource'>): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [GRANT_LABEL]: labelSafe(meta.grantId),
    [RESOURCE_LABEL]: labelSafe(meta.resource),
  };
}

export function annotationsFor(meta: GrantMeta): Record<string, string> {
  return {
    [ANNOTATION.grantId]: meta.grantId,
    [ANNOTATION.requester]: meta.requester,
    [ANNOTATION.resource]: meta.resource,
    [ANNOTATION.level]: meta.level,
    [ANNOTATION.expiresAt]: meta.expiresAt.toISOString(),
  };
}

/** The label selector `list` uses: Keycard's objects for one resource. */
export function selectorFor(resource: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${RESOURCE_LABEL}=${labelSafe(resource)}`;
}

/** Whether an object's labels say Keycard made it (for `grantId`, when given). */
export function isKeycards(labels: Record<string, string> | undefined, grantId?: string): boolean {
  if (labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return false;
  return grantId === undefined || labels[GRANT_LABEL] === labelSafe(grantId);
}
