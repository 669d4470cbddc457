// A local OpenID Connect provider for the Genesys sign-in tests: `oidc-provider` (panva) with PKCE
// required (S256), one public client (token_endpoint_auth_method "none") and dev interactions (any
// login name signs in as that subject). Run as a child process (the library is ESM-only):
//   node oidc-provider-server.mjs <clientId> <redirectUri>
// Prints one JSON line `{"issuer": "http://127.0.0.1:PORT"}` when listening; SIGTERM stops it.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const [clientId, redirectUri] = process.argv.slice(2);
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      token_endpoint_auth_method: 'none',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: { openid: ['sub'], profile: ['name'] },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, name: `Agent ${sub}` }),
  }),
  cookies: { keys: ['assist-gateway-test-cookie-key'] },
});
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
server.on('request', provider.callback());
console.log(JSON.stringify({ issuer }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
