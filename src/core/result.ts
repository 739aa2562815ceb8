/** Expected business outcomes are values the caller must handle; technical failures are thrown. */
export type Ok<T> = { ok: true; value: T };
export type Refusal<C extends string = string> = { ok: false; code: C; message: string };
export type Result<T, C extends string = string> = Ok<T> | Refusal<C>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function refuse<C extends string>(code: C, message: string): Refusal<C> {
  return { ok: false, code, message };
}

/** A technical failure with a stable code, for errors that are not business outcomes. */
export class KeycardError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeycardError';
  }
}

/** The string `code` a thrown error carries (a Node system error's ENOENT, an adapter's auth_failed), if any. */
export function errorCodeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? code : undefined;
}
