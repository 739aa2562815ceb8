import { createHash, timingSafeEqual } from 'node:crypto';

/** True when `authorization` is `Bearer <secret>`. Compares digests so neither content nor length leaks through timing. */
export function isBearerToken(authorization: string | undefined, secret: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(secret));
}
