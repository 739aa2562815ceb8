import type { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { ProviderError } from '../../core/ports/provider.js';
import type { AwsSsoResourceConfig } from './schemas.js';

/**
 * IdentityStore GetUserId without `@aws-sdk/client-identitystore` (not a dependency): the SSO Admin
 * client already carries the credential chain, a SigV4 signer and an HTTP handler, so this signs one
 * awsJson1_1 request for the `identitystore` service with them and sends it. Errors are shaped like
 * SDK service errors (`name`, `$metadata`) so the same mapping applies.
 */
export async function getUserId(
  client: SSOAdminClient,
  input: { region: string; endpoint?: string; identityStoreId: string; attribute: string; value: string },
): Promise<string> {
  const url = new URL(input.endpoint ?? `https://identitystore.${input.region}.amazonaws.com/`);
  const body = JSON.stringify({
    IdentityStoreId: input.identityStoreId,
    AlternateIdentifier: { UniqueAttribute: { AttributePath: input.attribute, AttributeValue: input.value } },
  });
  const request = {
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname || '/',
    query: {},
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSIdentityStore.GetUserId',
      'content-length': String(Buffer.byteLength(body)),
    },
    body,
  };
  const signer = await client.config.signer();
  // signingService overrides the client's own ("sso"): this request is for the identity store.
  const signed = await signer.sign(request, { signingService: 'identitystore', signingRegion: input.region });
  const { response } = await client.config.requestHandler.handle(signed);
  const text = Buffer.from(await client.config.streamCollector(response.body)).toString('utf8');
  const json = parseJson(text);
  const requestId = header(response.headers, 'x-amzn-requestid');
  if (response.statusCode === 200 && typeof json.UserId === 'string') return json.UserId;
  throw serviceError(response.statusCode, json, header(response.headers, 'x-amzn-errortype'), requestId);
}

/** Who the requester is in Identity Center: the fixed map first, else the identity store lookup. */
export async function resolvePrincipalId(client: SSOAdminClient, config: AwsSsoResourceConfig, email: string): Promise<string> {
  const mapped = config.principalIdByEmail?.[email] ?? config.principalIdByEmail?.[email.toLowerCase()];
  if (mapped) return mapped;
  try {
    return await getUserId(client, {
      region: config.region,
      ...(config.identityStoreEndpoint ? { endpoint: config.identityStoreEndpoint } : {}),
      identityStoreId: config.identityStoreId,
      attribute: config.userAttribute,
      value: email,
    });
  } catch (err) {
    if ((err as { name?: unknown } | null)?.name !== 'ResourceNotFoundException') throw err;
    throw new ProviderError(
      'not_found',
      `no IAM Identity Center user with ${config.userAttribute} = ${email} in identity store ${config.identityStoreId}; ` +
        `set config.userAttribute (userName or emails.value) or map the email in config.principalIdByEmail`,
      { retryable: false },
    );
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  return found?.[1];
}

/** An Error shaped like the SDK's service exceptions: `com.amazonaws…#ThrottlingException` → name ThrottlingException. */
function serviceError(status: number, json: Record<string, unknown>, errorType: string | undefined, requestId: string | undefined): Error {
  const type = typeof json.__type === 'string' ? json.__type : (errorType ?? 'UnknownError');
  const name = type.replace(/^.*#/, '').replace(/:.*$/, '');
  const rawMessage = json.message ?? json.Message;
  const err = new Error(typeof rawMessage === 'string' ? rawMessage : `HTTP ${status}`);
  err.name = name;
  return Object.assign(err, { $metadata: { httpStatusCode: status, ...(requestId ? { requestId } : {}) } });
}
