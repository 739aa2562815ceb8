/**
 * The Teams adapter's settings. The same shape as `TeamsConfig` from src/config (read from
 * MICROSOFT_APP_* and KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED); declared here because adapters depend on
 * core only, and main.ts passes one for the other.
 */
export interface TeamsAdapterConfig {
  appId: string;
  /** Client secret; absent for a user-assigned managed identity. */
  appPassword?: string;
  tenantId?: string;
  appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  /** Skip Bot Framework token checks on inbound requests: local emulators only, never production. */
  allowUnauthenticated: boolean;
}

/** Only these tenants may talk to a single-tenant bot; a leaked app package installed elsewhere is refused. */
export function allowedTenant(config: TeamsAdapterConfig): string | undefined {
  // A configured tenant is pinned whatever the app type: activities from any other tenant are refused and audited.
  return config.tenantId;
}
