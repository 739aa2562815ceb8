/** The one Slack installation Keycard serves: learned from auth.test at start, or configured. */
export interface SlackInstallation {
  teamId?: string;
  enterpriseId?: string;
  /** The app's id (SLACK_APP_ID); auth.test does not return it, so it is pinned only when configured. */
  appId?: string;
}

export interface DeliveryOrigin {
  teamId?: string;
  enterpriseId?: string;
  appId?: string;
}

export type PinCheck = { ok: true } | { ok: false; reason: string; origin: DeliveryOrigin };

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function idOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? text((value as Record<string, unknown>).id) : undefined;
}

/** Where a signed delivery says it comes from: slash commands and events carry team_id, payloads carry team.id. */
export function originOf(body: Record<string, unknown>): DeliveryOrigin {
  const teamId = text(body.team_id) ?? idOf(body.team) ?? text((body.user as Record<string, unknown> | undefined)?.team_id);
  const enterpriseId = text(body.enterprise_id) ?? idOf(body.enterprise);
  const appId = text(body.api_app_id);
  return { ...(teamId ? { teamId } : {}), ...(enterpriseId ? { enterpriseId } : {}), ...(appId ? { appId } : {}) };
}

/**
 * A request signed with the right secret can still come from another workspace of the same app (a
 * distributed app, or a leaked secret reused elsewhere). Keycard serves one installation: a different
 * or missing team (or enterprise, on an org-wide install) or app id is refused.
 */
export function checkInstallation(body: Record<string, unknown>, installation: SlackInstallation): PinCheck {
  const origin = originOf(body);
  if (installation.enterpriseId !== undefined) {
    if (origin.enterpriseId !== installation.enterpriseId)
      return { ok: false, reason: `enterprise ${origin.enterpriseId ?? '(none)'} is not ${installation.enterpriseId}`, origin };
  } else if (installation.teamId !== undefined && origin.teamId !== installation.teamId) {
    return { ok: false, reason: `workspace ${origin.teamId ?? '(none)'} is not ${installation.teamId}`, origin };
  }
  if (installation.appId !== undefined && origin.appId !== installation.appId)
    return { ok: false, reason: `app ${origin.appId ?? '(none)'} is not ${installation.appId}`, origin };
  return { ok: true };
}
