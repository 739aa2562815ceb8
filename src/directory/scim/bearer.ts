import { createHash, timingSafeEqual } from 'node:crypto';

/** True when `authorization` is `Bearer <token>`; compares digests, so neither content nor length leaks through timing. */
export function hasBearerToken(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
