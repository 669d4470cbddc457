import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IntegrationStore, OutboundHttp, OutboundUrlPolicy } from '@hub/integrations';
import { LlmError, LlmRepository, type LlmIntegration } from './llm.repository';

const API_KEY = 'sk-assist-tenant-key-9876543210';

describe('LlmRepository through the outbound URL policy (local provider)', () => {
  let server: Server;
  let base: string;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      if (req.url?.startsWith('/redirect/'))
        res.writeHead(302, { location: `${base}/landing/embeddings` }).end();
      else
        res.writeHead(401, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: { message: `bad key ${req.headers.authorization} for agent@tenant.example` },
          }),
        );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const repo = new LlmRepository(
    {} as IntegrationStore, // findIntegration is not used here
    new OutboundHttp(
      new OutboundUrlPolicy({ allowHttp: true, allowPrivateNetworks: true, allowedHostSuffixes: [] }),
    ),
  );
  const integration = (path: string): LlmIntegration => ({
    id: 'i',
    name: 'llm',
    config: { baseUrl: `${base}${path}`, model: 'm', embeddingModel: 'e', timeoutMs: 2000 },
    secrets: { apiKey: API_KEY },
  });

  it('redacts an error body that echoes the API key (it never reaches a suggestion or a log)', async () => {
    const e = (await repo
      .chat(integration('/echo/v1'), [{ role: 'user', content: 'hi' }])
      .catch((x) => x)) as LlmError;
    expect(e).toBeInstanceOf(LlmError);
    expect(e.reason).toBe('http_error');
    expect(e.status).toBe(401);
    expect(e.message).toContain('HTTP 401 from chat/completions');
    expect(e.message).not.toContain(API_KEY);
    expect(e.message).not.toContain('agent@tenant.example');
  });

  it('refuses a redirect: the key is not sent to the Location', async () => {
    const e = (await repo.embed(integration('/redirect/v1'), ['q']).catch((x) => x)) as LlmError;
    expect(e).toBeInstanceOf(LlmError);
    expect(e.message).toMatch(/302 redirect refused/);
    expect(paths.some((p) => p.startsWith('/landing'))).toBe(false);
  });
});
