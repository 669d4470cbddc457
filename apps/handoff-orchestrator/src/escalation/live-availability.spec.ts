import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LiveAvailabilityUnavailable, RouterLiveAvailability } from './live-availability.repository';
import { waitPhrase } from './wait-phrase';

/**
 * RouterLiveAvailability against a local HTTP server answering like the router's
 * `GET /v1/queues/{id}/availability` (the real router is exercised by test/escalation-decisions.integration-spec.ts):
 * here the failure modes the decision must survive — timeout, refused credential, 404, junk, not configured.
 */
describe('RouterLiveAvailability', () => {
  let server: Server;
  let base = '';
  let handler: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const seen: { url?: string; authorization?: string; tenant?: string }[] = [];
  const anonymous = { tenantId: 'acme', authorization: undefined };

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({
        url: req.url,
        authorization: req.headers.authorization,
        tenant: req.headers['x-tenant-id'] as string | undefined,
      });
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const json = (status: number, body: unknown) => (_: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const availability = {
    queueId: '9b2f8d0e-5b1c-4a57-9a43-0d7c2b8f6a11',
    active: true,
    hasBusinessHours: true,
    timeZone: 'Europe/Berlin',
    openNow: false,
    nextOpening: '2027-03-29T08:00:00.000+02:00',
    closesAt: null,
    onlineAgents: 0,
    freeCapacity: { chat: 0, call: 0 },
    waiting: 3,
    waitingByType: { chat: 3, call: 0 },
    estimatedWaitMs: 360000,
    estimatedWaitSamples: 4,
    at: '2027-03-28T20:00:00.000+02:00',
  };

  it('GETs the queue’s availability with the caller’s credential and tenant (a platform admin names it)', async () => {
    handler = json(200, availability);
    const port = new RouterLiveAvailability({ baseUrl: `${base}/`, timeoutMs: 5000 });
    const a = await port.queue('default', { tenantId: 'acme', authorization: 'Bearer abc' });
    expect(a).toMatchObject({
      openNow: false,
      nextOpening: '2027-03-29T08:00:00.000+02:00',
      estimatedWaitMs: 360000,
    });
    expect(seen.at(-1)).toEqual({
      url: '/v1/queues/default/availability',
      authorization: 'Bearer abc',
      tenant: 'acme',
    });
  });

  it('404 → null (no such queue of the tenant)', async () => {
    handler = json(404, { status: 404 });
    expect(
      await new RouterLiveAvailability({ baseUrl: base, timeoutMs: 5000 }).queue('x', anonymous),
    ).toBeNull();
  });

  it.each([
    ['refused credential', json(403, { status: 403 }), 'http_403'],
    ['server error', json(503, {}), 'http_503'],
    ['not an availability', json(200, { ...availability, onlineAgents: 'many' }), 'bad_response'],
    [
      'not JSON',
      (_: IncomingMessage, res: ServerResponse) => res.writeHead(200).end('<html>'),
      'bad_response',
    ],
  ])('%s → LiveAvailabilityUnavailable(%s)', async (_name, h, code) => {
    handler = h;
    await expect(
      new RouterLiveAvailability({ baseUrl: base, timeoutMs: 5000 }).queue('q', anonymous),
    ).rejects.toMatchObject({
      name: 'LiveAvailabilityUnavailable',
      code,
    });
  });

  it('no answer within the timeout → timeout', async () => {
    handler = () => undefined; // never answers
    const err = await new RouterLiveAvailability({ baseUrl: base, timeoutMs: 300 })
      .queue('q', anonymous)
      .catch((e) => e);
    expect(err).toBeInstanceOf(LiveAvailabilityUnavailable);
    expect(err.code).toBe('timeout');
  });

  it('unreachable and not configured', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(
      new RouterLiveAvailability({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5000 }).queue(
        'q',
        anonymous,
      ),
    ).rejects.toMatchObject({ code: 'unreachable' });
    await expect(new RouterLiveAvailability({ timeoutMs: 5000 }).queue('q', anonymous)).rejects.toMatchObject(
      {
        code: 'not_configured',
      },
    );
  });
});

describe('waitPhrase', () => {
  it.each([
    [null, null],
    [10_000, 'less than a minute'],
    [45_000, 'one minute'],
    [360_000, 'six minutes'],
    [21 * 60_000 + 10_000, 'twenty-one minutes'],
    [59 * 60_000, 'fifty-nine minutes'],
    [60 * 60_000, 'about one hour'],
    [95 * 60_000, 'about one and a half hours'],
    [2 * 3_600_000 + 60_000, 'about two hours'],
  ])('%s ms → %s', (ms, phrase) => {
    expect(waitPhrase(ms)).toBe(phrase);
  });
});
