import { markAudited } from '../audit/refusals.js';
import type { CoreDeps } from '../lifecycle/deps.js';
import { type Refusal, refuse } from '../result.js';
import { hasLeft } from './people.js';

export type IdentityRefusal = 'unknown_person' | 'person_left' | 'directory_unavailable';

/**
 * With a directory configured, only people it knows and who have not left may act: a chat user whose verified
 * e-mail matches nobody in the directory is refused with a clear message, and the refusal is audited. Without a
 * directory (the zero-setup console, policy-only setups) everyone the chat platform verified may act.
 */
export async function checkIdentity(deps: CoreDeps, actor: string, action: string): Promise<Refusal<IdentityRefusal> | undefined> {
  if (!deps.directory.configured) return undefined;
  const email = actor.toLowerCase();
  const found = await deps.directory.lookup(email);
  const person = found.status === 'found' ? found.person : undefined;
  const now = deps.clock.now();
  const refusal =
    found.status === 'unavailable'
      ? refuse(
          'directory_unavailable',
          `Keycard cannot reach the organisation's directory to confirm who you are (${found.message}); try again in a few minutes.`,
        )
      : person === undefined
        ? refuse(
            'unknown_person',
            `Keycard cannot match your chat account (${email}) to anyone in the organisation's directory, so it cannot act for you. Ask your identity admin to check that your directory e-mail matches your chat profile.`,
          )
        : hasLeft(person, now)
          ? refuse(
              'person_left',
              `Your account (${email}) is no longer active in the organisation's directory, so Keycard cannot act for you.`,
            )
          : undefined;
  if (!refusal) return undefined;
  await deps.store.transaction(async (tx) =>
    tx.appendAudit({
      at: now,
      actor: email,
      action: 'identity.refused',
      requestId: null,
      details: { code: refusal.code, attempted: action },
    }),
  );
  deps.log.warn({ actor: email, code: refusal.code, attempted: action }, 'identity refused');
  // Audited here as identity.refused; the use case's refusal audit must not record it a second time.
  return markAudited(refusal);
}
