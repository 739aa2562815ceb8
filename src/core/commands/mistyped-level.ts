/**
 * Usual names of access levels. In the level position they are taken as a level even where no resource in
 * the policy offers them, so `superuser` is refused rather than read as the first word of the reason.
 */
export const LEVEL_WORDS = ['read', 'write', 'admin', 'superuser', 'sudo', 'readonly', 'read-only', 'readwrite', 'read-write', 'rw', 'ro'];

/** English words one substitution away from a level name; a reason may well start with them ("wrote the wrong rows"). */
const REAL_WORDS = new Set(['wrote', 'white', 'trite', 'writs', 'admit']);

function isAdjacentTransposition(word: string, level: string): boolean {
  if (word.length !== level.length || level.length < 4) return false;
  const i = [...word].findIndex((c, k) => c !== level[k]);
  return i >= 0 && word[i] === level[i + 1] && word[i + 1] === level[i] && word.slice(i + 2) === level.slice(i + 2);
}

function isOneSubstitution(word: string, level: string): boolean {
  if (word.length !== level.length || level.length < 5) return false;
  let differences = 0;
  for (let k = 0; k < word.length; k += 1) if (word[k] !== level[k]) differences += 1;
  return differences === 1;
}

/**
 * The level `word` (lower case) is very probably a mistyping of: two adjacent letters swapped in a name of
 * 4+ letters (`wirte`, `raed`, `amdin`), or one letter changed in a name of 5+ letters (`writr`, `admon`).
 * Shorter names and insertions or deletions are left alone: `real`, `head`, `reads`, `writes` start reasons.
 * Narrower on purpose than `closest` (suggest.ts), which only picks a hint after a lookup already failed:
 * this decides whether a word that may start a reason is refused at all.
 */
export function mistypedLevel(word: string, levels: string[]): string | undefined {
  if (REAL_WORDS.has(word) || levels.includes(word)) return undefined;
  return levels.find((level) => isAdjacentTransposition(word, level) || isOneSubstitution(word, level));
}
