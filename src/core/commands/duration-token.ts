const EXAMPLES = 'use e.g. 90s, 30m, 1h30m, 2h, 1d';
/** Spelled-out units, so `30min` or `2hours` can be answered with the form meant (`30m`, `2h`). */
const SPELLED_UNIT = /^(\d+)(sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|day|days)$/i;

/**
 * True for a token the request grammar reads as an attempted duration: it starts with a digit, with a sign
 * or a point before a digit (`-5m`, `+1h`, `.5h`), or is a lone unit (`m`, `-h`). A reason rarely starts
 * like that, and taking `-5m` as the first word of a reason would hide the mistake behind the default duration.
 */
export function isDurationShaped(token: string): boolean {
  return /^[+-]?\.?\d/.test(token) || /^[+-]?[dhms]$/i.test(token);
}

/** Why a duration-shaped token is not a duration, with the form the user probably meant where there is one. */
export function notADuration(token: string): string {
  if (/^[+-]/.test(token)) return `"${token}" is not a duration: a duration has no sign (${EXAMPLES}).`;
  if (/^[dhms]$/i.test(token)) return `"${token}" is not a duration: a unit needs a number before it (${EXAMPLES}).`;
  const spelled = SPELLED_UNIT.exec(token);
  if (spelled) return `"${token}" is not a duration; did you mean ${spelled[1]}${spelled[2]![0]!.toLowerCase()}? (${EXAMPLES}).`;
  return `"${token}" is not a duration (${EXAMPLES}).`;
}
