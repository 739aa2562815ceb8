import { generateKeyPairSync, sign } from 'node:crypto';

/**
 * A Bot Framework channel-token signer for Keycard processes that load bot-framework-edge.mjs: the
 * public half goes to the child in KEYCARD_TEST_BOT_FRAMEWORK_JWK, tokens are minted here.
 */
export function createBotFrameworkSigner(appId: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    publicJwk: JSON.stringify(publicKey.export({ format: 'jwk' })),
    /** A token as the Bot Framework sends with an activity for `serviceUrl`. */
    token(serviceUrl: string): string {
      const now = Math.floor(Date.now() / 1000);
      const head = b64u({ alg: 'RS256', typ: 'JWT', kid: 'trust-kid' });
      const body = b64u({ iss: 'https://api.botframework.com', aud: appId, serviceurl: serviceUrl, nbf: now - 60, exp: now + 3600 });
      return `${head}.${body}.${sign('sha256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url')}`;
    },
  };
}
