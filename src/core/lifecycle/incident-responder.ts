import {
  type IncidentResponderSource,
  KNOWN_INCIDENT,
  NO_SUCH_INCIDENT,
  type ResponderAnswer,
  type SourceAnswer,
} from '../ports/incident-responders.js';
import { errorCodeOf, KeycardError } from '../result.js';
import type { CoreDeps } from './deps.js';

/** A responder lookup slower than this is treated as unknown: the score never waits on a slow platform. */
export const RESPONDER_LOOKUP_TIMEOUT_MS = 2_000;

/**
 * Whether `email` responds to incident `key`, as the configured responder sources tell (the incident
 * channel's members, the incident's people in PagerDuty). The channel a request was typed in proves nothing
 * by its name (anyone can create `#inc-4211-x`), so only the source, which finds the channel Keycard itself
 * threads into, decides.
 * Unknown (undefined) when there is no source, when it fails or when it is too slow, and when the source
 * knows the incident but not its people; unknown discounts only for someone on call (the documented
 * fallback), NO_SUCH_INCIDENT never.
 */
export async function responderOf(deps: CoreDeps, email: string, key: string, at: Date): Promise<ResponderAnswer> {
  const source = deps.incidentResponders;
  if (!source) return undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        deps.log.warn({ incident: key }, 'incident responder lookup timed out; treating the requester as not known to respond');
        resolve(undefined);
      }, RESPONDER_LOOKUP_TIMEOUT_MS);
    });
    const answer = await Promise.race([source.isResponder(email, key, at), late]);
    return answer === KNOWN_INCIDENT ? undefined : answer;
  } catch (error) {
    // The code only: a lookup failure's message can carry the requester's e-mail.
    deps.log.warn(
      { incident: key, code: errorCode(error) },
      'incident responder lookup failed; treating the requester as not known to respond',
    );
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** A thrown error's stable code (a KeycardError's, or an adapter's coded error such as PagerDuty's auth_failed), else its name. */
function errorCode(error: unknown): string {
  if (error instanceof KeycardError) return error.code;
  return errorCodeOf(error) ?? (error instanceof Error ? error.name : 'error');
}

/**
 * Several platforms' answers as one (Slack and Teams in one process, and PagerDuty): a responder on any of
 * them is a responder; known not to respond when some platform knows the incident and none says yes. No such
 * incident only when no platform knows the incident (a channel found without its members outweighs another
 * platform's "none") and at least one looked and found none; a platform that cannot tell, or fails, does not
 * make an invented key real. Otherwise a failure is thrown (the core then treats it as unknown).
 */
export function anyPlatformResponder(sources: readonly IncidentResponderSource[]): IncidentResponderSource {
  if (sources.length === 1) return sources[0]!;
  return {
    async isResponder(email, key, at) {
      const pending = sources.map((s) => s.isResponder(email, key, at));
      // The first yes settles it: a slow platform (PagerDuty reading a long log) does not hold back Slack's yes.
      const yes = new Promise<true>((resolve) => {
        for (const answer of pending) {
          // A failure is reported by `all` below; here it only means no yes from that platform.
          answer.then(
            (value) => value === true && resolve(true),
            () => undefined,
          );
        }
      });
      const all = Promise.allSettled(pending).then((answers): SourceAnswer => {
        const known = answers.flatMap((a) => (a.status === 'fulfilled' && a.value !== undefined ? [a.value] : []));
        for (const strongest of [true, false, KNOWN_INCIDENT, NO_SUCH_INCIDENT] as const) if (known.includes(strongest)) return strongest;
        const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
        if (failed) throw failed.reason;
        return undefined;
      });
      return await Promise.race([yes, all]);
    },
  };
}
