import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundHttp, OutboundUrlPolicy } from '@hub/integrations';
import { ChatCompletionError, OpenAiChatRepository } from './openai-chat.repository';

const API_KEY = 'sk-tenant-secret-0123456789';

describe('OpenAiChatRepository through the outbound URL policy (local provider)', () => {
  let server: Server;
  let base: string;
  const hits: { url: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push({ url: req.url ?? '', headers: req.headers });
      req.resume();
      if (req.url?.startsWith('/redirect/')) {
        res.writeHead(307, { location: `${base}/landing/chat/completions` }).end();
      } else if (req.url?.startsWith('/echo/')) {
        // a provider that echoes the credential (and an e-mail) in its error
        res.writeHead(401, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: {
              message: `Incorrect API key provided: ${req.headers.authorization}; contact ops@provider.example`,
            },
          }),
        );
      } else {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ choices: [{ message: { content: ' summary ' } }] }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const repo = (allowPrivateNetworks: boolean) =>
    new OpenAiChatRepository(
      new OutboundHttp(
        new OutboundUrlPolicy({ allowHttp: true, allowPrivateNetworks, allowedHostSuffixes: [] }),
      ),
    );
  const provider = (path: string) => ({
    baseUrl: `${base}${path}`,
    model: 'm',
    apiKey: API_KEY,
    timeoutMs: 2000,
  });
  const fail = (p: Promise<unknown>) =>
    p.then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );

  it('answers through the pinned client', async () => {
    expect(await repo(true).complete(provider('/v1'), [{ role: 'user', content: 'hi' }])).toBe('summary');
    expect(hits.at(-1)?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('refuses a redirect: the API key never reaches the Location', async () => {
    const e = await fail(repo(true).complete(provider('/redirect/v1'), [{ role: 'user', content: 'hi' }]));
    expect(e).toBeInstanceOf(ChatCompletionError);
    expect(e.message).toMatch(/307 redirect refused/);
    expect(hits.some((h) => h.url.startsWith('/landing'))).toBe(false);
  });

  it('redacts a provider error that echoes the key', async () => {
    const e = await fail(repo(true).complete(provider('/echo/v1'), [{ role: 'user', content: 'hi' }]));
    expect(e.message).toMatch(/^HTTP 401: .*Incorrect API key provided/);
    expect(e.message).not.toContain(API_KEY);
    expect(e.message).not.toContain('ops@provider.example');
  });

  it('refuses a loopback baseUrl when private networks are not allowed (no request sent)', async () => {
    const before = hits.length;
    const e = await fail(repo(false).complete(provider('/v1'), [{ role: 'user', content: 'hi' }]));
    expect(e.message).toMatch(/non-public address \(loopback\)/);
    expect(hits.length).toBe(before);
  });
});
