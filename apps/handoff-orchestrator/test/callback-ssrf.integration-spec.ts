import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import {
  fakeServer,
  handoffBody,
  http,
  sql,
  startService,
  WorldKafka,
  type Recorded,
  type RunningService,
} from './support/harness';

jest.setTimeout(90_000);

const T = 'acme';

type Receiver = Awaited<ReturnType<typeof fakeServer>>;
interface DeliveryRow {
  status: string;
  attempts: number;
  last_error: string | null;
  url: string;
}

const deliveriesOf = (world: TestWorld, handoffId: string) =>
  sql<DeliveryRow>(
    world,
    'SELECT status, attempts, last_error, url FROM callback_deliveries WHERE handoff_id = $1',
    [handoffId],
  );

/** Value of the Prometheus sample `name{…label…}` in the /metrics text (other labels may follow), 0 if absent. */
async function metric(svc: RunningService, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${svc.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.split(' ').pop()) : 0;
}

/**
 * SSRF protection of callback URLs with the real orchestrator (REST + Kafka intake, durable callback
 * dispatcher, PostgreSQL rows, /metrics): IP literals in blocked ranges are 400s naming `callbackUrl`;
 * a host name that resolves to a blocked address (`localhost` → 127.0.0.1) passes intake and is refused
 * at delivery unless HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS=true, with which the local receiver is reached.
 */
describe('callback URL SSRF policy', () => {
  let world: TestWorld;
  let receiver: Receiver;

  beforeAll(async () => {
    world = await createTestWorld();
    receiver = await fakeServer((req: Recorded, res: ServerResponse) => {
      if (req.url.startsWith('/redirect')) res.writeHead(307, { location: '/landing' }).end();
      else res.writeHead(204).end();
    });
  });

  afterAll(async () => {
    await receiver?.close();
    await world?.drop();
  });

  const receiverPort = () => new URL(receiver.url).port;

  async function createIntegration(svc: RunningService): Promise<string> {
    const r = await http(svc.url, 'POST', '/v1/integrations', {
      tenant: T,
      body: { type: 'internal', name: `Desk ${randomUUID().slice(0, 8)}` },
    });
    expect(r.status).toBe(201);
    return r.body.id;
  }

  describe('private networks not allowed (the default)', () => {
    let svc: RunningService;
    let kafka: WorldKafka;
    let integration: string;

    beforeAll(async () => {
      // http allowed so that the local receiver's http URL passes the scheme check; every outcome is POSTed
      svc = await startService(world, { HANDOFF_CALLBACK_ALLOW_HTTP: 'true', CALLBACK_INTERMEDIATE: 'true' });
      kafka = new WorldKafka(world);
      await kafka.start();
      integration = await createIntegration(svc);
    });

    afterAll(async () => {
      await kafka?.stop();
      await svc?.close();
    });

    it.each([
      ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', /169\.254\.169\.254 .*linkLocal/],
      ['https://10.1.2.3/', /10\.1\.2\.3 .*private/],
      ['http://127.0.0.1:6379/', /loopback/],
      ['http://2130706433/hook', /127\.0\.0\.1 .*loopback/],
      ['https://[::1]/hook', /::1 .*loopback/],
      ['https://[::ffff:169.254.169.254]/', /linkLocal/],
      ['https://[fd00:ec2::254]/latest/meta-data/', /uniqueLocal/],
      ['https://100.64.0.1/', /carrierGradeNat/],
      ['https://user:secret@hooks.example.com/', /user name or password/],
      ['ftp://hooks.example.com/x', /http\(s\) or ws\(s\)/],
    ])('rejects %s at intake with 400 naming callbackUrl', async (callbackUrl, message) => {
      const body = handoffBody(integration, { callbackUrl });
      const r = await http(svc.url, 'POST', '/v1/handoffs', { tenant: T, body });
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([{ field: 'callbackUrl', message: expect.stringMatching(message) }]);
      expect(
        await sql(world, 'SELECT 1 FROM handoffs WHERE conversation_id = $1', [body.conversationId]),
      ).toHaveLength(0);
    });

    it('accepts localhost at intake, refuses the delivery (failed with reason, counted) and never reaches the receiver', async () => {
      const refusedBefore = await metric(
        svc,
        'hub_handoff_callbacks_refused_total',
        'reason="blocked_address"',
      );
      const attemptsBefore = await metric(svc, 'hub_handoff_callback_attempts_total', 'result="refused"');
      const r = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: T,
        body: handoffBody(integration, { callbackUrl: `http://localhost:${receiverPort()}/hook` }),
      });
      expect(r.status).toBe(201);
      const row = await waitFor(
        async () => (await deliveriesOf(world, r.body.id)).find((d) => d.status === 'failed'),
        { what: 'refused delivery', timeoutMs: 20_000 },
      );
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(
        /^refused \(blocked_address\): host localhost resolves to non-public address\(es\) 127\.0\.0\.1 \(loopback\)/,
      );
      expect(await metric(svc, 'hub_handoff_callbacks_refused_total', 'reason="blocked_address"')).toBe(
        refusedBefore + 1,
      );
      expect(await metric(svc, 'hub_handoff_callback_attempts_total', 'result="refused"')).toBe(
        attemptsBefore + 1,
      );
      // not retried: still one attempt after several scan intervals, and no request reached the receiver
      await new Promise((res) => setTimeout(res, 800));
      expect(await deliveriesOf(world, r.body.id)).toEqual([
        expect.objectContaining({ status: 'failed', attempts: 1 }),
      ]);
      expect(receiver.requests).toHaveLength(0);
    });

    it('fails a Kafka request with a blocked callback URL (detail names callbackUrl) and keeps no delivery', async () => {
      const body = handoffBody(integration, { callbackUrl: 'https://169.254.169.254/latest/meta-data/' });
      await kafka.producer.publish(
        'handoffRequested',
        newEnvelope({
          id: randomUUID(),
          type: 'handoff.requested' as const,
          version: 1 as const,
          tenantId: T,
          source: 'bot-platform',
          correlationId: body.conversationId,
          data: body,
        }) as unknown as TopicEvent<'handoffRequested'>,
      );
      const outcome = await waitFor(
        () => kafka.events('handoffOutcomes').find((e) => e.data.conversationId === body.conversationId),
        { what: 'failed outcome' },
      );
      expect(outcome.data).toMatchObject({ status: 'failed', reason: 'error' });
      expect(outcome.data.detail).toMatch(/^callbackUrl: host 169\.254\.169\.254 is a non-public address/);
      const [h] = await sql<{ id: string; callback_url: string | null }>(
        world,
        'SELECT id, callback_url FROM handoffs WHERE conversation_id = $1',
        [body.conversationId],
      );
      expect(h.callback_url).toBeNull();
      expect(await deliveriesOf(world, h.id)).toEqual([]);
    });
  });

  describe('HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS=true with an allow-list', () => {
    let svc: RunningService;
    let integration: string;

    beforeAll(async () => {
      svc = await startService(world, {
        HANDOFF_CALLBACK_ALLOW_HTTP: 'true',
        HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS: 'true',
        HANDOFF_CALLBACK_ALLOWED_HOSTS: 'localhost, .hooks.example.com',
        CALLBACK_INTERMEDIATE: 'true',
      });
      integration = await createIntegration(svc);
    });

    afterAll(async () => {
      await svc?.close();
    });

    it('delivers to the local receiver through the host name (Host header kept)', async () => {
      const r = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: T,
        body: handoffBody(integration, { callbackUrl: `http://localhost:${receiverPort()}/hook?s=1` }),
      });
      expect(r.status).toBe(201);
      const hit = await waitFor(() => receiver.requests.find((q) => q.body?.data?.handoffId === r.body.id), {
        what: 'callback POST',
      });
      expect(hit).toMatchObject({ method: 'POST', url: '/hook?s=1', body: { type: 'handoff.outcome' } });
      expect(hit.headers.host).toBe(`localhost:${receiverPort()}`);
      await waitFor(async () => (await deliveriesOf(world, r.body.id))[0]?.status === 'delivered', {
        what: 'delivered row',
      });
    });

    it('rejects hosts off the allow-list at intake, even a private IP literal that would otherwise pass', async () => {
      for (const callbackUrl of [`http://127.0.0.1:${receiverPort()}/hook`, 'https://evil.example.org/']) {
        const r = await http(svc.url, 'POST', '/v1/handoffs', {
          tenant: T,
          body: handoffBody(integration, { callbackUrl }),
        });
        expect(r.status).toBe(400);
        expect(r.body.errors).toEqual([
          { field: 'callbackUrl', message: expect.stringMatching(/not on the allow-list/) },
        ]);
      }
    });

    it('does not follow a redirect from the receiver', async () => {
      const r = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: T,
        body: handoffBody(integration, { callbackUrl: `http://localhost:${receiverPort()}/redirect` }),
      });
      expect(r.status).toBe(201);
      const row = await waitFor(
        async () => (await deliveriesOf(world, r.body.id)).find((d) => d.last_error === 'HTTP 307'),
        { what: 'redirect recorded as a failed attempt' },
      );
      expect(row.status).toBe('pending');
      expect(receiver.requests.some((q) => q.url === '/redirect')).toBe(true);
      expect(receiver.requests.some((q) => q.url === '/landing')).toBe(false);
    });
  });
});
