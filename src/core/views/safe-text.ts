/** C0/C1 control characters except tab and newline, and the Unicode bidi controls (a right-to-left override can disguise a SQL statement or a name). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point of this pattern.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Makes control and bidi characters visible as ⟨U+202E⟩ instead of letting them act, and replaces
 * unpaired surrogates (text that was not valid UTF-16) with U+FFFD. Every platform's escaper applies
 * it to text from outside (reasons, names, resource ids, activity statements, principals, addresses).
 */
export function neutraliseControls(text: string): string {
  return text
    .replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * The first `length` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair: a
 * shortened emoji must not leave a lone surrogate, which Postgres refuses in JSON and text columns.
 */
export function cutText(text: string, length: number): string {
  const end = Math.max(0, length);
  if (end >= text.length) return text;
  const last = text.charCodeAt(end - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
}

/** Outside input quoted back in an error message: controls made visible, cut to `max` characters (an error must not carry an attack or a paste). */
export function quoteInput(text: string, max = 60): string {
  const shown = text.length > max ? `${cutText(text, max)}…` : text;
  return `"${neutraliseControls(shown)}"`;
}

/** Why a piece of outside text cannot be stored: a NUL byte or invalid UTF-16 (lone surrogates); undefined when fine. */
export function unstorableText(text: string): string | undefined {
  if (text.includes(String.fromCharCode(0))) return 'contains a NUL character, which cannot be stored';
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) return 'is not valid Unicode text';
  return undefined;
}

/** Longest reason Keycard stores and shows (a card has room for it; anything longer is a paste accident). */
export const MAX_REASON_LENGTH = 2000;

/**
 * An error as a log line may show it: database errors are reported by code and the server's own
 * message, never by the query and its parameters (a reason or a logged SQL statement may be in them).
 */
export function safeErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 200);
  const cause = (error as { cause?: unknown }).cause;
  if (error.message.startsWith('Failed query')) {
    const inner = cause instanceof Error ? cause : undefined;
    const code = (inner as { code?: unknown } | undefined)?.code;
    return `database query failed${typeof code === 'string' ? ` (${code})` : ''}: ${inner?.message.split('\n')[0]?.slice(0, 200) ?? 'no detail'}`;
  }
  return error.message.split('\n')[0]!.slice(0, 300);
}
