import { createHash } from 'node:crypto';

/** Every login role Keycard creates matches this; nothing else is ever altered or dropped. */
export const ROLE_NAME_RE = /^kc_[a-z0-9_]{1,60}$/;
const MAX_ROLE_BYTES = 63;
const MAX_LOCALPART = 20;

function sanitise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * `kc_<requester local part>_<grantId>`, e.g. `kc_alice_kc_12`. Deterministic, so a lost ref can be
 * re-derived on revoke. The grant id part is kept whole (it makes the name unique); only when it
 * alone is too long is it replaced by a hash of itself.
 */
export function roleNameFor(requester: string, grantId: string): string {
  const local =
    sanitise(requester.split('@')[0] ?? '')
      .slice(0, MAX_LOCALPART)
      .replace(/_$/, '') || 'user';
  let suffix = grantId.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const room = MAX_ROLE_BYTES - 'kc_'.length - local.length - 1;
  if (suffix.length === 0 || suffix.length > room) suffix = `g${createHash('sha256').update(grantId).digest('hex').slice(0, 24)}`;
  const name = `kc_${local}_${suffix}`;
  assertManagedRoleName(name);
  return name;
}

/** Throws unless `name` is one of ours; guards every statement that alters or drops a role. */
export function assertManagedRoleName(name: string): void {
  if (!ROLE_NAME_RE.test(name)) throw new Error(`refusing to touch role "${name}": not a Keycard-managed role name`);
}
