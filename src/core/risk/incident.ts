/** Whether `value` is a whole incident key by the policy's incidents.keyPattern (case-insensitive, as keys are found in reasons). */
export function isIncidentKey(value: string, keyPattern: string): boolean {
  return new RegExp(`^(?:${keyPattern})$`, 'i').test(value);
}

/** Why a key someone typed (`--incident notakey`) is refused: it names the pattern it had to match. */
export function notAnIncidentKey(given: string, keyPattern: string): string {
  return `${given} is not an incident key (incidents.keyPattern: ${keyPattern})`;
}

/** Finds the incident key a request is about: an explicit flag wins, else the first key in the reason. */
export function findIncidentKey(reason: string, keyPattern: string, explicit?: string): string | null {
  if (explicit) return explicit.toUpperCase();
  const match = new RegExp(keyPattern, 'i').exec(reason);
  return match ? match[0].toUpperCase() : null;
}
