import fc from 'fast-check';

/** Pieces attackers put in text: Slack control sequences, markdown links, SQL, NUL, lone surrogates, bidi and C0/C1 controls. */
export const PIECES = [
  '<!channel>',
  '<!here|x>',
  '<@U0ADMIN>',
  '<https://evil.example|click>',
  '[click](https://evil.example)',
  "'; DROP TABLE access_requests; --",
  'DELETE FROM orders /* <!channel> */',
  '\u0000',
  '\uD800',
  '\uDFFF',
  '\u202E',
  '\u2066',
  '\u200F',
  '\u0007',
  '\u001B[31m',
  '\u0085',
  '&amp;',
  '%00',
  '\\u0000',
  'KC-1',
  '--break-glass',
  '\n\r\t',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'a'.repeat(3000),
];

/** Hostile text for fast-check: one to four parts, each a known piece, arbitrary full-Unicode text, or any single UTF-16 unit (lone surrogates, C0/C1). */
export const hostileText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...PIECES) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) },
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((parts) => parts.join(' '));

/** Characters that must never survive escaping (bidi overrides and isolates, C0 controls up to BEL…BS). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the tests look for exactly these control characters in rendered output
export const DANGEROUS = /[\u202A-\u202E\u2066-\u2069\u0000-\u0008]/;
/** A database error's SQL, or attacker SQL echoed into a log line. */
export const SQL_IN_LOG = /Failed query|insert into|DROP TABLE|DELETE FROM orders/i;
/** A Slack control sequence (`<!channel>`, `<!here>`, `<!subteam^…>`): what would ping people. */
export const SLACK_CONTROL = /<!/;

/**
 * Every string a person is shown in a chat payload (Block Kit or an Adaptive Card): `text`, `title`,
 * `summary` and validation messages under `errors`. Input values are left out: they are what the person typed.
 */
export function shownTexts(value: unknown, key = '', found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (['text', 'title', 'summary'].includes(key) || key.startsWith('errors.')) found.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) shownTexts(item, key, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) shownTexts(v, key === 'errors' ? `errors.${k}` : k, found);
  }
  return found;
}
