// Preloaded (node --import) into a Keycard child process by the two-process trust test: the Bot
// Framework's OpenID metadata and signing key, and the token endpoint for outbound calls, faked at the
// network edge with nock, as test/chat/teams/connector.ts does in-process. The public key comes from
// the parent in KEYCARD_TEST_BOT_FRAMEWORK_JWK; every other host (the connector, Slack, Postgres) is real.
import nock from 'nock';

const jwk = process.env.KEYCARD_TEST_BOT_FRAMEWORK_JWK;
if (!jwk) throw new Error('KEYCARD_TEST_BOT_FRAMEWORK_JWK is not set (the test passes the public key of its token signer)');

nock('https://login.botframework.com')
  .persist()
  .get('/v1/.well-known/openidconfiguration')
  .reply(200, { issuer: 'https://api.botframework.com', jwks_uri: 'https://login.botframework.com/v1/.well-known/keys' })
  .get('/v1/.well-known/keys')
  .reply(200, { keys: [{ ...JSON.parse(jwk), kid: 'trust-kid', use: 'sig', endorsements: ['msteams'] }] });
nock('https://login.microsoftonline.com')
  .persist()
  .post(/oauth2\/v2\.0\/token/)
  .reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'outbound-token' });
