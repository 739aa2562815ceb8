import { KeycardError } from '../core/result.js';

/** The one error set every directory adapter maps into. */
export type DirectoryErrorCode =
  | 'directory_auth_failed'
  | 'directory_forbidden'
  | 'directory_rate_limited'
  | 'directory_unreachable'
  | 'directory_bad_response';

export class DirectoryError extends KeycardError {
  constructor(code: DirectoryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DirectoryError';
  }
}

/** Maps an HTTP status from a directory API to the shared error set. */
export function errorForStatus(source: string, status: number, detail: string): DirectoryError {
  const text = `${source} answered ${status}${detail ? `: ${detail.slice(0, 200)}` : ''}`;
  if (status === 401) return new DirectoryError('directory_auth_failed', `${text} (check the credentials)`);
  if (status === 403) return new DirectoryError('directory_forbidden', `${text} (the app lacks a permission or scope)`);
  if (status === 429) return new DirectoryError('directory_rate_limited', text);
  if (status >= 500) return new DirectoryError('directory_unreachable', text);
  return new DirectoryError('directory_bad_response', text);
}

/** A fetch that failed before any answer (DNS, TLS, connection refused, timeout). */
export function unreachable(source: string, error: unknown): DirectoryError {
  const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  return new DirectoryError('directory_unreachable', `${source} could not be reached: ${cause}`, { cause: error });
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** GET/POST JSON with a timeout, mapping failures into DirectoryError. */
export async function fetchJson(
  source: string,
  fetcher: FetchLike,
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<{ body: unknown; headers: Headers }> {
  const { timeoutMs = 15_000, ...rest } = init;
  let response: Response;
  try {
    response = await fetcher(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw unreachable(source, error);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw errorForStatus(source, response.status, text);
  try {
    return { body: text ? JSON.parse(text) : {}, headers: response.headers };
  } catch {
    throw new DirectoryError('directory_bad_response', `${source} answered with something that is not JSON`);
  }
}
