/**
 * What Keycard knows about one person from the organisation's directory and chat profile (Slack profile,
 * Microsoft Entra ID, Okta, SCIM pushes, the policy file). The directory port fills it; the risk engine
 * reads it as requester attributes (departure context, "outside their work", the person's own clock).
 * Every field but `email` and `active` is optional because no single source has them all.
 */
export interface PersonAttributes {
  /** Lower-case e-mail: the one identity used everywhere in Keycard. */
  email: string;
  /** False once the directory deactivated, suspended or removed the person. */
  active: boolean;
  displayName?: string;
  /** Team or department as the directory names it. */
  team?: string;
  /** The manager's e-mail. */
  manager?: string;
  /** Last working day, from the directory (Entra `employeeLeaveDateTime`) or an HR/offboarding source. */
  leaveDate?: Date;
  /** IANA time zone a directory source maintains for them (Slack directory `tz`, Okta `timezone`). */
  timeZone?: string;
  /**
   * IANA time zone their own chat client or profile reported (Slack `users.info` `tz`, Teams `localTimezone`).
   * The person sets it themselves, so the policy's pin for them (`risk.timeZones.people`) outranks it.
   */
  clientTimeZone?: string;
  /** Directory groups the person belongs to, as policy references (`slack:@db-owners`, `okta:DB Owners`). */
  groups?: string[];
}
