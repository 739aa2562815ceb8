import { type Refusal, refuse } from '../result.js';
import { MAX_REASON_LENGTH, unstorableText } from '../views/safe-text.js';

/**
 * Free text a person typed (a denial reason, an extension reason, a review comment) checked before any query:
 * a NUL or broken Unicode cannot be stored, and a paste longer than a reason has room for is refused, both
 * with a message that names the field, so the database never sees it and no half-made record is left.
 */
export function outsideTextRefusal(
  label: string,
  text: string,
  max = MAX_REASON_LENGTH,
): Refusal<'invalid_text' | 'text_too_long'> | undefined {
  const problem = unstorableText(text);
  if (problem) return refuse('invalid_text', `The ${label} ${problem}; retype it without that character.`);
  if (text.length > max) return refuse('text_too_long', `The ${label} is ${text.length} characters; keep it under ${max}.`);
  return undefined;
}
