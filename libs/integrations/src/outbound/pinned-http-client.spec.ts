import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundUrlPolicy } from './outbound-url-policy';
import { PinnedHttpClient, pinnedLookup } from './pinned-http-client';

interface Hit {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('PinnedHttpClient (connects only to the vetted addresses)', () => {
  let server: Server;
  let port: number;
  const hits: Hit[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        hits.push({ url: req.url ?? '', headers: req.headers, body });
        if (req.url === '/redirect') res.writeHead(307, { location: '/landing' }).end();
        else if (req.url === '/stall')
          res.writeHead(200).write('partial'); // never ends
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('POSTs to the vetted address while Host stays the URL host name (no second DNS lookup)', async () => {
    // `callback.invalid` exists in no DNS (RFC 6761): reaching the server proves the pinned address was used.
    const resolutions: string[] = [];
    const policy = new OutboundUrlPolicy(
      { allowHttp: true, allowPrivateNetworks: true, allowedHostSuffixes: [] },
      async (host) => {
        resolutions.push(host);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    );
    const target = await policy.resolve(policy.checkUrl(`http://callback.invalid:${port}/hook?x=1`));
    const status = await new PinnedHttpClient().post(target, {
      headers: { 'content-type': 'application/json', 'idempotency-key': 'evt-1' },
      body: JSON.stringify({ ok: true }),
    });
    expect(status).toBe(204);
    expect(resolutions).toEqual(['callback.invalid']);
    const hit = hits.at(-1)!;
    expect(hit).toMatchObject({ url: '/hook?x=1', body: '{"ok":true}' });
    expect(hit.headers.host).toBe(`callback.invalid:${port}`);
    expect(hit.headers['idempotency-key']).toBe('evt-1');
    expect(hit.headers['content-length']).toBe('11');
  });

  it('does not follow redirects (the 3xx is returned as the status)', async () => {
    const before = hits.length;
    const status = await new PinnedHttpClient().post(
      {
        url: new URL(`http://localhost:${port}/redirect`),
        hostname: 'localhost',
        addresses: [{ address: '127.0.0.1', family: 4 }],
      },
      { headers: {}, body: '{}' },
    );
    expect(status).toBe(307);
    expect(hits.slice(before).map((h) => h.url)).toEqual(['/redirect']);
  });

  it('aborts on the signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      new PinnedHttpClient().post(
        {
          url: new URL(`http://localhost:${port}/`),
          hostname: 'localhost',
          addresses: [{ address: '127.0.0.1', family: 4 }],
        },
        { headers: {}, body: '{}', signal: ac.signal },
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('pinnedLookup answers with the vetted addresses only, in single and `all` mode', () => {
    const lookup = pinnedLookup([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
    const single = jest.fn();
    lookup('rebound.example.com', { family: 0 }, single);
    expect(single).toHaveBeenCalledWith(null, '93.184.216.34', 4);
    const all = jest.fn();
    lookup('rebound.example.com', { all: true }, all);
    expect(all).toHaveBeenCalledWith(null, [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
  });

  it("request(): a timeout while the body streams surfaces as the signal's TimeoutError", async () => {
    const policy = new OutboundUrlPolicy({
      allowHttp: true,
      allowPrivateNetworks: true,
      allowedHostSuffixes: [],
    });
    const target = await policy.resolve(policy.checkUrl(`http://127.0.0.1:${port}/stall`));
    const res = await new PinnedHttpClient().request(target, { signal: AbortSignal.timeout(200) });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
