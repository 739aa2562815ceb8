import { unstorableText } from '../core/views/safe-text.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The body as text, or undefined when it is not valid UTF-8 (refused before anything is parsed or stored). */
export function decodeUtf8(body: Buffer): string | undefined {
  try {
    return decoder.decode(body);
  } catch {
    return undefined;
  }
}

/** The first string (key or value) Postgres cannot store, named by its path; undefined when every string is fine. */
export function findUnstorable(value: unknown, path = 'body'): string | undefined {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    return problem ? `${path} ${problem}` : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorable(item, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const keyProblem = unstorableText(key);
    if (keyProblem) return `a field name in ${path} ${keyProblem}`;
    const found = findUnstorable(child, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}
