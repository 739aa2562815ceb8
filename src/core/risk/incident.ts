/** Finds the incident key a request is about: an explicit flag wins, else the first key in the reason. */
export function findIncidentKey(reason: string, keyPattern: string, explicit?: string): string | null {
  if (explicit) return explicit.toUpperCase();
  const match = new RegExp(keyPattern, 'i').exec(reason);
  return match ? match[0].toUpperCase() : null;
}
