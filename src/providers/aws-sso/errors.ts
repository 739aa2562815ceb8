import { ProviderError, type ProviderErrorCode } from '../../core/ports/provider.js';
import { redactUrls } from '../redact-url.js';

export interface AwsErrorContext {
  action: 'grant' | 'revoke' | 'list' | 'extend' | 'inventory';
  resource: string;
  region: string;
  /** The API operation, e.g. `CreateAccountAssignment`. */
  operation: string;
}

/** The IAM action each operation needs, named in auth_failed messages. */
const IAM_ACTION: Record<string, string> = {
  CreateAccountAssignment: 'sso:CreateAccountAssignment (plus the iam:* role-provisioning actions in the README)',
  DescribeAccountAssignmentCreationStatus: 'sso:DescribeAccountAssignmentCreationStatus',
  DeleteAccountAssignment: 'sso:DeleteAccountAssignment (plus the iam:* role-provisioning actions in the README)',
  DescribeAccountAssignmentDeletionStatus: 'sso:DescribeAccountAssignmentDeletionStatus',
  ListAccountAssignments: 'sso:ListAccountAssignments',
  GetUserId: 'identitystore:GetUserId (or map the requester in config.principalIdByEmail)',
};

const AUTH_ERRORS = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
]);
const CODE_BY_NAME: Record<string, ProviderErrorCode> = {
  ThrottlingException: 'rate_limited',
  TooManyRequestsException: 'rate_limited',
  ConflictException: 'conflict',
  ValidationException: 'invalid_config',
  ResourceNotFoundException: 'not_found',
  InternalServerException: 'unavailable',
  ServiceUnavailableException: 'unavailable',
};
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** The error's name (`AccessDeniedException`, …), or undefined for non-AWS errors. */
export function awsErrorName(err: unknown): string | undefined {
  const name = (err as AwsLikeError | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** Maps an AWS SDK / network failure into the vendor-neutral ProviderError set, naming the fix. */
export function toProviderError(err: unknown, ctx: AwsErrorContext): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as AwsLikeError;
  const name = awsErrorName(err) ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const raw = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(err);
  const detail = `${name}: ${redactUrls(raw).slice(0, 300)}${requestId ? ` (request id ${requestId})` : ''}`;
  const where = `aws-sso ${ctx.region} (${ctx.action} on ${ctx.resource}: ${ctx.operation})`;
  const make = (code: ProviderErrorCode, message: string, retryable?: boolean) =>
    new ProviderError(code, `${where}: ${message}`, { cause: err, ...(retryable === undefined ? {} : { retryable }) });

  if (AUTH_ERRORS.has(name)) {
    return make(
      'auth_failed',
      `${detail}; Keycard's AWS identity needs ${IAM_ACTION[ctx.operation] ?? `the permission for ${ctx.operation}`}`,
    );
  }
  if (name === 'CredentialsProviderError') {
    return make(
      'auth_failed',
      'no AWS credentials found; run Keycard with an IAM role (IRSA, ECS task role, instance profile) or AWS_* environment variables',
    );
  }
  // AWS answers ConflictException while another operation on the same assignment runs: retrying resolves it.
  if (name === 'ConflictException') return make('conflict', `${detail}; another operation is in progress, retry shortly`, true);
  if (name === 'ServiceQuotaExceededException') return make('unknown', `${detail}; raise the Identity Center quota`, false);
  const known = CODE_BY_NAME[name];
  if (known) return make(known, detail);
  const code = typeof e.code === 'string' ? e.code : undefined;
  if ((status !== undefined && status >= 500) || (code && NETWORK_CODES.has(code)) || name === 'TimeoutError') {
    return make('unavailable', `service unreachable or failing (${status ?? code ?? name}): ${detail}`);
  }
  return make('unknown', detail);
}
