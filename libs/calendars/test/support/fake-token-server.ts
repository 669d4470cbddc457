import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/** A token request the fake received (form parameters; client credentials from the body or Basic). */
export interface TokenRequest {
  grantType: string;
  clientId: string;
  refreshToken?: string;
  scope?: string;
}

/**
 * A local OAuth 2.0 token endpoint (RFC 6749 §5: JSON `{access_token, token_type: "Bearer", expires_in,
 * refresh_token?, scope?}`, errors `{error, error_description}` with 400 / 401) serving the `refresh_token` and
 * `client_credentials` grants for one confidential client (`client_secret_post` or `client_secret_basic`).
 * `rotate` issues a new refresh token on every refresh and invalidates the old one (as Microsoft does);
 * `revoke(rt)` makes a refresh token answer `invalid_grant`; `onIssue` sees every access token issued (point the
 * fake calendar API at it).
 */
export async function startFakeTokenServer(opts: {
  clientId: string;
  clientSecret: string;
  refreshTokens: string[];
  expiresIn?: number;
  rotate?: boolean;
  onIssue?: (accessToken: string) => void;
}): Promise<{
  tokenUrl: string;
  requests: TokenRequest[];
  validRefreshTokens: Set<string>;
  issued: string[];
  revoke: (refreshToken: string) => void;
  setRotate: (on: boolean) => void;
  setExpiresIn: (s: number) => void;
  close: () => Promise<void>;
}> {
  const valid = new Set(opts.refreshTokens);
  const requests: TokenRequest[] = [];
  const issued: string[] = [];
  let rotate = opts.rotate ?? false;
  let expiresIn = opts.expiresIn ?? 3599;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, {
          'content-type': 'application/json;charset=UTF-8',
          'cache-control': 'no-store',
          pragma: 'no-cache',
        });
        res.end(JSON.stringify(body));
      };
      if (
        req.method !== 'POST' ||
        !String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')
      )
        return send(400, { error: 'invalid_request', error_description: 'POST form-encoded only' });
      const p = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      let clientId = p.get('client_id') ?? '';
      let clientSecret = p.get('client_secret') ?? '';
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (basic) {
        const [u, s] = Buffer.from(basic[1] as string, 'base64')
          .toString('utf8')
          .split(':');
        clientId = decodeURIComponent(u ?? '');
        clientSecret = decodeURIComponent(s ?? '');
      }
      const grantType = p.get('grant_type') ?? '';
      requests.push({
        grantType,
        clientId,
        ...(p.get('refresh_token') ? { refreshToken: p.get('refresh_token') as string } : {}),
        ...(p.get('scope') ? { scope: p.get('scope') as string } : {}),
      });
      if (clientId !== opts.clientId || clientSecret !== opts.clientSecret)
        return send(401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      const access = `at-${randomUUID()}`;
      if (grantType === 'refresh_token') {
        const rt = p.get('refresh_token') ?? '';
        if (!valid.has(rt))
          return send(400, {
            error: 'invalid_grant',
            error_description: 'Token has been expired or revoked.',
          });
        let newRt: string | undefined;
        if (rotate) {
          valid.delete(rt);
          newRt = `rt-${randomUUID()}`;
          valid.add(newRt);
        }
        issued.push(access);
        opts.onIssue?.(access);
        return send(200, {
          access_token: access,
          token_type: 'Bearer',
          expires_in: expiresIn,
          ...(newRt ? { refresh_token: newRt } : {}),
          ...(p.get('scope') ? { scope: p.get('scope') } : {}),
        });
      }
      if (grantType === 'client_credentials') {
        issued.push(access);
        opts.onIssue?.(access);
        return send(200, {
          access_token: access,
          token_type: 'Bearer',
          expires_in: expiresIn,
          ext_expires_in: expiresIn,
        });
      }
      return send(400, { error: 'unsupported_grant_type', error_description: `grant_type ${grantType}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    tokenUrl: `http://127.0.0.1:${port}/oauth2/v2.0/token`,
    requests,
    validRefreshTokens: valid,
    issued,
    revoke: (rt) => valid.delete(rt),
    setRotate: (on) => (rotate = on),
    setExpiresIn: (s) => (expiresIn = s),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
