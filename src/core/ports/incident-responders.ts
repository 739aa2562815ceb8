/**
 * The incident source looked and has no such incident (PagerDuty: no incident of that number, or none open
 * when the request was made): the key names nothing anyone responds to.
 */
export const NO_SUCH_INCIDENT = 'no-such-incident';

/** The source knows the incident exists (its channel, its page) but cannot tell whether they respond to it. */
export const KNOWN_INCIDENT = 'known-incident';

/**
 * What scoring knows about a requester and a cited incident: true, one of its responders; false, a source
 * knows the incident and they are not among its people; NO_SUCH_INCIDENT, no source knows the incident and
 * one that would has none by that key; undefined, nobody can tell.
 */
export type ResponderAnswer = boolean | typeof NO_SUCH_INCIDENT | undefined;

/**
 * What one source says: a ResponderAnswer, or KNOWN_INCIDENT when it found the incident but not its people
 * (a channel whose members it cannot list, an account it cannot match). Combined with other sources, that
 * outweighs another's NO_SUCH_INCIDENT; on its own it is "nobody can tell".
 */
export type SourceAnswer = ResponderAnswer | typeof KNOWN_INCIDENT;

/**
 * Who responds to an incident, from a source that knows its people (the incident's chat channel, the
 * paging tool). Scoring asks it when a request cites an incident key: the key lowers risk only for a
 * responder, a known non-responder citing it scores higher and gets no on-call relief, and a key naming
 * no incident gets neither the discount nor the relief, on call or not.
 */
export interface IncidentResponderSource {
  isResponder(email: string, incidentKey: string, at: Date): Promise<SourceAnswer>;
}
