import type { ActivityInput } from '../core/types.js';
import type { AuditEvent } from './k8s-audit-schema.js';

/** Subresources that open a stream: the interesting moment is when it starts, not when the shell closes. */
const STREAMING = new Set(['exec', 'attach', 'portforward']);
/** Same pattern core uses to recognise a Keycard-made principal (kc_alice_kc_12, keycard-kc-12). */
const KEYCARD_MADE = /(?:^|[_-])kc[_-]\d{1,9}$/i;

export type AuditMapping =
  | { kind: 'event'; auditId: string; streaming: boolean; principals: string[]; input: ActivityInput }
  | { kind: 'skip'; reason: 'stage' | 'not-keycard' };

/** Could this API-server user be one of Keycard's grantees? (An email, possibly prefixed, or a Keycard-made name.) */
export function keycardPrincipal(name: string | undefined): string | undefined {
  if (!name) return undefined;
  // `--oidc-username-prefix=oidc:` makes alice@example.com arrive as oidc:alice@example.com; emails hold no colon.
  if (name.includes('@')) return name.slice(name.lastIndexOf(':') + 1).toLowerCase();
  return KEYCARD_MADE.test(name) ? name : undefined;
}

/**
 * Maps one audit event to a Keycard activity: `ResponseComplete` for ordinary requests, `ResponseStarted`
 * for exec/attach/port-forward streams. `principals` lists who it may belong to, best first: the user,
 * the impersonated user, then groups that look like grantees.
 */
export function mapAuditEvent(event: AuditEvent, context: { now: Date; resource?: string | undefined }): AuditMapping {
  const subresource = event.objectRef?.subresource;
  const streaming = subresource !== undefined && STREAMING.has(subresource);
  if (event.stage !== 'ResponseComplete' && !(streaming && event.stage === 'ResponseStarted')) return { kind: 'skip', reason: 'stage' };
  const candidates = [event.user.username, event.impersonatedUser?.username, ...(event.user.groups ?? [])]
    .map(keycardPrincipal)
    .filter((p): p is string => p !== undefined);
  const principals = [...new Set(candidates)];
  if (principals.length === 0) return { kind: 'skip', reason: 'not-keycard' };

  const stamp = event.stageTimestamp ?? event.requestReceivedTimestamp;
  const input: ActivityInput = {
    at: stamp ? new Date(stamp) : context.now,
    source: 'k8s-audit',
    principal: principals[0],
    verb: event.verb,
  };
  const objectResource = event.objectRef?.resource;
  if (objectResource) input.target = subresource ? `${objectResource}/${subresource}` : objectResource;
  if (event.objectRef?.namespace) input.namespace = event.objectRef.namespace;
  const address = event.sourceIPs?.[0];
  if (address) input.sourceAddress = address;
  if (context.resource) input.resource = context.resource;
  input.details = compact({
    auditID: event.auditID,
    stage: event.stage,
    name: event.objectRef?.name,
    apiGroup: event.objectRef?.apiGroup,
    // The path only: a query string may carry an exec command line, and with it a secret.
    path: event.requestURI?.split('?')[0]?.slice(0, 512),
    responseCode: event.responseStatus?.code,
    user: event.user.username,
    impersonatedUser: event.impersonatedUser?.username,
    userAgent: event.userAgent?.slice(0, 256),
  });
  return { kind: 'event', auditId: event.auditID, streaming, principals, input };
}

function compact(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== ''));
}
