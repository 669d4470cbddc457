import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A client of {@link startClientCredentialsIdp}: `tenant` null for a platform-admin client. */
export interface IdpClient {
  clientId: string;
  secret: string;
  tenant: string | null;
  /** Space-separated scopes the client may ask for. */
  scope: string;
}

/** A running OAuth 2.0 authorization server (oidc-provider) issuing client-credentials JWT access tokens. */
export interface ClientCredentialsIdp {
  issuer: string;
  jwksUri: string;
  tokenUrl: string;
  audience: string;
  /** `POST /token` with `grant_type=client_credentials` (client_secret_basic); the access token. @throws on non-200 */
  token(clientId: string, secret: string, scope?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a real OpenID provider (`oidc-provider`, as a child process since it is ESM-only) with the
 * client-credentials grant and JWT access tokens (RS256) for `audience`, each client's tenant in the
 * `hub_tenant` claim — the operator's IdP of docs/security.md, for tests.
 */
export async function startClientCredentialsIdp(
  audience: string,
  clients: IdpClient[],
): Promise<ClientCredentialsIdp> {
  const child = spawn(
    process.execPath,
    [join(__dirname, 'oidc-client-credentials-server.mjs'), JSON.stringify({ audience, clients })],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const info = await new Promise<{ issuer: string; jwksUri: string; tokenUrl: string }>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`oidc provider exited ${code}: ${stderr.join('')}`)));
  });
  return {
    ...info,
    audience,
    async token(clientId, secret, scope) {
      const res = await fetch(info.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: audience,
          ...(scope ? { scope } : {}),
        }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (res.status !== 200 || !body.access_token)
        throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
