// A real OAuth 2.0 authorization server for the client-credentials tests: `oidc-provider` (panva) with
// the client_credentials grant and resource indicators (RFC 8707) issuing JWT access tokens (RFC 9068)
// for one resource server (the hub API). Each client belongs to one tenant, put in the `hub_tenant` claim.
// Run as a child process (the library is ESM-only):
//   node oidc-client-credentials-server.mjs '<json {audience, clients: [{clientId, secret, tenant|null, scope}]}>'
// Prints one JSON line `{"issuer": "http://127.0.0.1:PORT", "jwksUri": "..."}` when listening; SIGTERM stops it.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const { audience, clients } = JSON.parse(process.argv[2]);
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const tenantOf = new Map(clients.map((c) => [c.clientId, c.tenant]));
const allScopes = [...new Set(clients.flatMap((c) => c.scope.split(' ')))].join(' ');

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    client_id: c.clientId,
    client_secret: c.secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: c.scope,
  })),
  scopes: allScopes.split(' '),
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== audience) throw new Error(`unknown resource ${resource}`);
        return {
          scope: allScopes,
          audience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 600,
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  extraTokenClaims: (_ctx, token) => {
    const tenant = tenantOf.get(token.clientId);
    return tenant ? { hub_tenant: tenant } : {};
  },
  cookies: { keys: ['hub-client-credentials-test-cookie-key'] },
});
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
server.on('request', provider.callback());
console.log(JSON.stringify({ issuer, jwksUri: `${issuer}/jwks`, tokenUrl: `${issuer}/token` }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
