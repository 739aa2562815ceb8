/**
 * The incident source looked and has no such incident (no incident channel by the incident tool, no paged
 * incident of that number open at the time): the key names nothing anyone responds to.
 */
export const NO_SUCH_INCIDENT = 'no-such-incident';

/**
 * What a source says about a requester and a cited incident: true, one of its responders (a member of its
 * channel, paged for it); false, the source knows the incident and they are not among its people;
 * NO_SUCH_INCIDENT, the source would know the incident and has none by that key; undefined, it cannot tell
 * (no matching account, the platform cannot list members, the key is not in a form it reads).
 */
export type ResponderAnswer = boolean | typeof NO_SUCH_INCIDENT | undefined;

/**
 * Who responds to an incident, from a source that knows its people (the incident's chat channel, the
 * paging tool). Scoring asks it when a request cites an incident key: the key lowers risk only for a
 * responder, a known non-responder citing it scores higher and gets no on-call relief, and a key no source
 * knows gets neither the discount nor the relief, on call or not.
 */
export interface IncidentResponderSource {
  isResponder(email: string, incidentKey: string, at: Date): Promise<ResponderAnswer>;
}
