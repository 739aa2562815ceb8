import { ApiException } from '@kubernetes/client-node';
import { ProviderError, type ProviderErrorCode } from '../../core/ports/provider.js';
import { redactUrls } from '../redact-url.js';

export interface K8sErrorContext {
  action: 'grant' | 'revoke' | 'list' | 'extend' | 'inventory';
  resource: string;
  /** `https://host:port`, safe for messages. */
  server: string;
  /** What was being done, e.g. `create RoleBinding payments/keycard-kc-12`. */
  step?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const RBAC_FIX =
  "Keycard's own service account needs create/get/list/delete on rolebindings and clusterrolebindings (and serviceaccounts, " +
  'serviceaccounts/token for serviceAccountToken levels) plus `bind` on the roles it hands out; see src/providers/kubernetes/README.md';

/** The API server's `Status` object, when the body holds one. */
export function statusOf(err: ApiException<unknown>): { message?: string; reason?: string } {
  const body: unknown = err.body;
  const parse = (value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      return undefined;
    }
  };
  const status = parse(body);
  if (typeof status !== 'object' || status === null) return {};
  const { message, reason } = status as { message?: unknown; reason?: unknown };
  return {
    ...(typeof message === 'string' ? { message: message.slice(0, 300) } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}

export function isApiStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

/** Maps an ApiException / network failure from @kubernetes/client-node into the vendor-neutral set. */
export function toProviderError(err: unknown, ctx: K8sErrorContext): ProviderError {
  if (err instanceof ProviderError) return err;
  const where = `kubernetes ${ctx.server} (${ctx.action} on ${ctx.resource}${ctx.step ? `: ${ctx.step}` : ''})`;
  const make = (code: ProviderErrorCode, message: string, retryable?: boolean) =>
    new ProviderError(code, `${where}: ${message}`, { cause: err, ...(retryable === undefined ? {} : { retryable }) });

  if (err instanceof ApiException) {
    const { message, reason } = statusOf(err);
    const detail = message ?? reason ?? 'no details';
    const status = Number(err.code);
    if (status === 401)
      return make('auth_failed', `the API server rejected Keycard's credentials (401: ${detail}); check the token or kubeconfig`);
    if (status === 403) return make('auth_failed', `forbidden (403: ${detail}); ${RBAC_FIX}`);
    if (status === 404) return make('not_found', `not found (404: ${detail}); check the namespace exists`);
    // AlreadyExists, or a precondition/resourceVersion race with another writer: retrying resolves it.
    if (status === 409) return make('conflict', `conflict (409: ${detail})`, true);
    if (status === 400 || status === 422) return make('invalid_config', `rejected as invalid (${status}: ${detail})`);
    if (status === 429) return make('rate_limited', `rate limited (429: ${detail})`);
    if (status >= 500) return make('unavailable', `API server error (${status}: ${detail})`);
    return make('unknown', `HTTP ${status}: ${detail}`);
  }
  const code = (err as { code?: unknown } | null)?.code;
  const type = (err as { type?: unknown } | null)?.type;
  const text = err instanceof Error ? redactUrls(err.message).replace(/\?\S*/g, '').slice(0, 200) : String(err).slice(0, 200);
  if ((typeof code === 'string' && NETWORK_CODES.has(code)) || type === 'system' || type === 'request-timeout') {
    return make('unavailable', `API server unreachable (${typeof code === 'string' ? code : text})`);
  }
  return make('unknown', text);
}
