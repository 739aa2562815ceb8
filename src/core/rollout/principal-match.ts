/**
 * Which Keycard requester (an email) a target's principal is. Targets name people differently: an
 * email (Kubernetes users, webhook receivers), or a login name built from the email's local part the
 * way Keycard builds its own Postgres roles (`alice.smith@…` → `alice_smith`). Only an unambiguous
 * match counts: two candidates with the same local part at different domains give no match.
 */
export function matchRequester(principal: string, candidates: Iterable<string>): string | undefined {
  const wanted = principal.trim().toLowerCase();
  const emails = [...new Set([...candidates].map((c) => c.toLowerCase()))];
  const exact = emails.find((email) => email === wanted);
  if (exact) return exact;
  if (wanted.includes('@')) return undefined;
  const key = loginKey(wanted);
  if (!key) return undefined;
  const byLocalPart = emails.filter((email) => loginKey(email.split('@')[0] ?? '') === key);
  return byLocalPart.length === 1 ? byLocalPart[0] : undefined;
}

/** A name reduced to the characters a database login keeps: lower-case a–z, 0–9 and single underscores. */
export function loginKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}
