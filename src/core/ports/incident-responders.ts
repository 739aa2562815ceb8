/**
 * Who responds to an incident, from a source that knows its people (the incident's chat channel, the
 * paging tool). Scoring asks it when a request cites an incident key: the key lowers risk only for a
 * responder, and a known non-responder citing it scores higher and gets no on-call relief.
 */
export interface IncidentResponderSource {
  /**
   * true: `email` is one of the incident's responders (a member of its channel, paged for it); false: the
   * source knows the incident and they are not among its people; undefined: the source cannot tell (no
   * such incident there, no matching account, the platform cannot list members).
   */
  isResponder(email: string, incidentKey: string, at: Date): Promise<boolean | undefined>;
}
