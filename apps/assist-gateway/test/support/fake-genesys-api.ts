import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the Genesys Cloud Platform API (api.<region>.pure.cloud), speaking its wire format
 * for the two calls the gateway makes:
 *  - `GET /api/v2/users/me` → `{id, name, …}` (the token's user);
 *  - `GET /api/v2/conversations/{conversationId}` → `{id, participants: [{id, purpose, userId?}]}`.
 * Bearer tokens are checked against the local OpenID provider's userinfo endpoint (the access
 * tokens it issued), so an invalid token gets 401 as from Genesys.
 */
export class FakeGenesysApi {
  private server?: Server;
  url = '';

  constructor(
    private readonly userinfoUrl: string,
    /** conversation id → agent user ids participating */
    private readonly conversations: Record<string, string[]>,
    /** login subject → Genesys user id (UUID) returned by /users/me; default: the subject */
    private readonly userIds: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req.url ?? '', req.headers.authorization).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(path: string, authorization?: string): Promise<{ status: number; body: unknown }> {
    const me = await fetch(this.userinfoUrl, { headers: { authorization: authorization ?? '' } });
    if (me.status !== 200)
      return {
        status: 401,
        body: { status: 401, code: 'bad.credentials', message: 'Invalid login credentials.' },
      };
    const user = (await me.json()) as { sub: string; name?: string };
    if (path === '/api/v2/users/me')
      return {
        status: 200,
        body: { id: this.userIds[user.sub] ?? user.sub, name: user.name ?? user.sub, state: 'active' },
      };
    const m = /^\/api\/v2\/conversations\/([^/?]+)$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]);
      const agents = this.conversations[id];
      if (!agents)
        return {
          status: 404,
          body: { status: 404, code: 'not.found', message: 'The requested conversation was not found.' },
        };
      return {
        status: 200,
        body: {
          id,
          participants: [
            { id: `${id}-customer`, purpose: 'customer' },
            ...agents.map((userId, n) => ({ id: `${id}-agent-${n}`, purpose: 'agent', userId })),
          ],
        },
      };
    }
    return { status: 404, body: { status: 404, code: 'not.found', message: 'Not found' } };
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
