import { randomUUID } from 'node:crypto';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { createPgPool } from '@hub/persistence';
import { integrationStoreFromEnv } from '@hub/integrations';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { abcdTranscript } from './fixtures/abcd';
import {
  fakeServer,
  handoffBody,
  http,
  seedQueue,
  sql,
  startService,
  WorldKafka,
  type RunningService,
} from './support/harness';

jest.setTimeout(60_000);

const A = 'acme';
const B = 'globex';

describe('handoff intake (REST + Kafka), integrations API, enrichment', () => {
  let world: TestWorld;
  let svc: RunningService;
  let kafka: WorldKafka;
  let integrationA: string;
  let integrationB: string;
  let billingQueue: string;

  beforeAll(async () => {
    world = await createTestWorld();
    svc = await startService(world);
    kafka = new WorldKafka(world);
    await kafka.start();
    billingQueue = await seedQueue(world, A, 'Billing');
    const a = await http(svc.url, 'POST', '/v1/integrations', {
      tenant: A,
      body: { type: 'internal', name: 'Internal Support Queue', config: { defaultQueueId: billingQueue } },
    });
    expect(a.status).toBe(201);
    integrationA = a.body.id;
    const b = await http(svc.url, 'POST', '/v1/integrations', {
      tenant: B,
      body: { type: 'internal', name: 'Desk' },
    });
    integrationB = b.body.id;
  });

  afterAll(async () => {
    await kafka?.stop();
    await svc?.close();
    await world?.drop();
  });

  const createCommandsFor = (handoffId: string) =>
    kafka
      .events('workItemCommands')
      .filter((e) => e.data.command === 'create' && e.data.handoffId === handoffId);

  describe('POST /v1/handoffs', () => {
    it('creates a handoff (201), repeats with the same Idempotency-Key return it (200), one create command', async () => {
      const key = `key-${randomUUID()}`;
      const body = handoffBody(integrationA, { routing: { queue_name: 'Billing' }, timeoutSeconds: 600 });
      const first = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body,
        headers: { 'Idempotency-Key': key },
      });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ status: 'requested', conversationId: body.conversationId });
      expect(first.headers.get('location')).toBe(`/v1/handoffs/${first.body.id}`);
      const second = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body,
        headers: { 'Idempotency-Key': key },
      });
      expect(second.status).toBe(200);
      expect(second.body.id).toBe(first.body.id);

      const cmd = await waitFor(() => createCommandsFor(first.body.id)[0], { what: 'create command' });
      expect(cmd.tenantId).toBe(A);
      expect(cmd.data).toMatchObject({
        command: 'create',
        workItemId: first.body.workItemId,
        integrationDefaultQueueId: billingQueue,
        routing: { queue_name: 'Billing' },
        type: 'chat',
      });
      await waitFor(
        () =>
          kafka
            .events('handoffOutcomes')
            .find((e) => e.data.handoffId === first.body.id && e.data.status === 'requested'),
        { what: 'requested outcome' },
      );
      // a later message proves the relay has moved past this handoff's rows: still exactly one create
      const later = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA),
      });
      await waitFor(() => createCommandsFor(later.body.id)[0], { what: 'later create command' });
      expect(createCommandsFor(first.body.id)).toHaveLength(1);
      expect(await sql(world, 'SELECT id FROM handoffs WHERE idempotency_key = $1', [key])).toHaveLength(1);
    });

    it('collapses concurrent duplicates into one handoff', async () => {
      const key = `race-${randomUUID()}`;
      const body = handoffBody(integrationA);
      const results = await Promise.all(
        [0, 1, 2, 3].map(() =>
          http(svc.url, 'POST', '/v1/handoffs', { tenant: A, body, headers: { 'Idempotency-Key': key } }),
        ),
      );
      const ids = new Set(results.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    });

    it('uses the body idempotencyKey when there is no header, and generates one when neither is given', async () => {
      const body = handoffBody(integrationA, { idempotencyKey: `body-${randomUUID()}` });
      const a = await http(svc.url, 'POST', '/v1/handoffs', { tenant: A, body });
      const b = await http(svc.url, 'POST', '/v1/handoffs', { tenant: A, body });
      expect([a.status, b.status]).toEqual([201, 200]);
      expect(b.body.id).toBe(a.body.id);
      const plain = handoffBody(integrationA);
      const c = await http(svc.url, 'POST', '/v1/handoffs', { tenant: A, body: plain });
      const d = await http(svc.url, 'POST', '/v1/handoffs', { tenant: A, body: plain });
      expect([c.status, d.status]).toEqual([201, 201]);
      expect(d.body.id).not.toBe(c.body.id);
      expect(c.headers.get('idempotency-key')).toBeTruthy();
    });

    it('answers 422 when an Idempotency-Key is reused with a different body', async () => {
      const key = `reuse-${randomUUID()}`;
      await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA),
        headers: { 'Idempotency-Key': key },
      });
      const r = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA),
        headers: { 'Idempotency-Key': key },
      });
      expect(r.status).toBe(422);
      expect(r.body.errors[0].field).toBe('Idempotency-Key');
    });

    it('answers 400 naming each malformed field', async () => {
      const body = handoffBody(integrationA, {
        channel: 'fax',
        transcript: [{ role: 'user', text: 'hi', timestamp: 'yesterday' }],
        sentimentScore: 3,
      });
      const r = await http(svc.url, 'POST', '/v1/handoffs', { tenant: A, body });
      expect(r.status).toBe(400);
      const fields = r.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['channel', 'transcript.0.timestamp', 'sentimentScore']));
      expect(r.body.message).toContain('transcript.0.timestamp');

      const noTenant = await http(svc.url, 'POST', '/v1/handoffs', { body: handoffBody(integrationA) });
      expect(noTenant.status).toBe(401);
      expect(noTenant.headers.get('www-authenticate')).toMatch(/^Bearer realm="hub"/);
      expect(noTenant.headers.get('content-type')).toContain('application/problem+json');

      const ftp = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA, { callbackUrl: 'ftp://example.com/x' }),
      });
      expect(ftp.status).toBe(400);
      expect(ftp.body.errors[0].field).toBe('callbackUrl');
    });

    it('answers 404 for an unknown integration and for another tenant’s integration', async () => {
      const unknown = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(randomUUID()),
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toMatch(/integration .* not found/);
      const foreign = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationB),
      });
      expect(foreign.status).toBe(404);
    });

    it('answers 422 for an unknown routing.queue_id, a disabled or a non-internal integration', async () => {
      const q = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA, { routing: { queue_id: randomUUID() } }),
      });
      expect(q.status).toBe(422);
      expect(q.body.errors[0].field).toBe('routing.queue_id');
      // a queue of another tenant does not exist for this one
      const otherTenantsQueue = await seedQueue(world, B, 'B-Billing');
      const q2 = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA, { routing: { queue_id: otherTenantsQueue } }),
      });
      expect(q2.status).toBe(422);
      const ok = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA, { routing: { queue_id: billingQueue } }),
      });
      expect(ok.status).toBe(201);

      const disabled = await http(svc.url, 'POST', '/v1/integrations', {
        tenant: A,
        body: { type: 'internal', name: 'Off', enabled: false },
      });
      const r1 = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(disabled.body.id),
      });
      expect(r1.status).toBe(422);
      expect(r1.body.message).toMatch(/disabled/);
      const ccai = await http(svc.url, 'POST', '/v1/integrations', {
        tenant: A,
        body: {
          type: 'eightbyeight',
          name: '8x8',
          config: { eightByEightTenant: 'acme', host: 'pulsar-ws-euw2.8x8.com' },
          secrets: { apiKey: 'k' },
        },
      });
      expect(ccai.status).toBe(201);
      const r2 = await http(svc.url, 'POST', '/v1/handoffs', { tenant: A, body: handoffBody(ccai.body.id) });
      expect(r2.status).toBe(422);
      expect(r2.body.message).toMatch(/type eightbyeight/);
    });
  });

  describe('enrichment', () => {
    it('fills summary (library) and sentiment (library) when the bot sent neither, and records the sources', async () => {
      const r = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA, {
          transcript: [
            ...abcdTranscript(1),
            // the customer's last words (sentiment looks at the last 5 customer utterances)
            { role: 'user', text: 'This is terrible.', timestamp: '2026-01-01T10:05:00Z' },
            { role: 'user', text: 'I am really angry and upset.', timestamp: '2026-01-01T10:05:10Z' },
            { role: 'user', text: 'Useless bot, worst service ever.', timestamp: '2026-01-01T10:05:20Z' },
          ],
        }),
      });
      expect(r.status).toBe(201);
      expect(r.body.summary.source).toBe('library');
      expect(r.body.summary.text).toMatch(/refund/i);
      expect(r.body.sentiment.source).toBe('library');
      expect(r.body.sentiment.score).toBeLessThan(0);
      const cmd = await waitFor(() => createCommandsFor(r.body.id)[0], { what: 'create command' });
      expect(cmd.data.command === 'create' && cmd.data.context).toMatchObject({
        summary: r.body.summary.text,
        summarySource: 'library',
        sentimentSource: 'library',
        sentiment: r.body.sentiment.score,
      });
    });

    it("keeps the bot's sentiment score (source bot) and records none when there is no transcript", async () => {
      const r = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA, { transcript: [], sentimentScore: -0.4 }),
      });
      expect(r.body.sentiment).toEqual({ score: -0.4, source: 'bot' });
      expect(r.body.summary).toEqual({ text: null, source: 'none' });
    });

    describe('LLM provider (OpenAI-compatible chat completions)', () => {
      const T = 'initech';
      let llm: Awaited<ReturnType<typeof fakeServer>>;
      let mode: 'ok' | 'error' | 'hang' = 'ok';
      let internal: string;
      let llmIntegration: string;

      beforeAll(async () => {
        llm = await fakeServer((req, res) => {
          if (mode === 'hang') return; // never answers: the client's timeout must fire
          if (mode === 'error') {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { message: 'upstream overloaded', type: 'server_error' } }));
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'chatcmpl-123',
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model: req.body.model,
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: 'Customer was double-charged and wants a refund.' },
                  logprobs: null,
                  finish_reason: 'stop',
                },
              ],
              usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
            }),
          );
        });
        internal = (
          await http(svc.url, 'POST', '/v1/integrations', {
            tenant: T,
            body: { type: 'internal', name: 'Desk' },
          })
        ).body.id;
        const created = await http(svc.url, 'POST', '/v1/integrations', {
          tenant: T,
          body: {
            type: 'llm',
            name: 'Summaries',
            config: { baseUrl: `${llm.url}/v1`, model: 'gpt-4o-mini', timeoutMs: 400 },
            secrets: { apiKey: 'sk-test-123' },
          },
        });
        expect(created.status).toBe(201);
        expect(JSON.stringify(created.body)).not.toContain('sk-test-123');
        expect(created.body.secretFields).toEqual(['apiKey']);
        llmIntegration = created.body.id;
      });
      afterAll(async () => {
        await llm?.close();
      });

      it('summarizes through the tenant’s LLM (source llm) with the wire format of chat completions', async () => {
        mode = 'ok';
        const r = await http(svc.url, 'POST', '/v1/handoffs', { tenant: T, body: handoffBody(internal) });
        expect(r.status).toBe(201);
        expect(r.body.summary).toEqual({
          text: 'Customer was double-charged and wants a refund.',
          source: 'llm',
        });
        const call = llm.requests.at(-1)!;
        expect(call.method).toBe('POST');
        expect(call.url).toBe('/v1/chat/completions');
        expect(call.headers.authorization).toBe('Bearer sk-test-123');
        expect(call.body.model).toBe('gpt-4o-mini');
        expect(call.body.messages[0].role).toBe('system');
        expect(call.body.messages[1].content).toContain('Customer: I was charged twice');
        expect(call.body.messages[1].content).toContain('Detected intent: billing_refund');
      });

      it('falls back to the library summarizer when the LLM errors or times out', async () => {
        for (const m of ['error', 'hang'] as const) {
          mode = m;
          const before = llm.requests.length;
          const t0 = Date.now();
          const r = await http(svc.url, 'POST', '/v1/handoffs', { tenant: T, body: handoffBody(internal) });
          expect(r.status).toBe(201);
          expect(r.body.summary.source).toBe('library');
          expect(r.body.summary.text).toMatch(/refund/);
          expect(llm.requests.length).toBe(before + 1);
          if (m === 'hang') expect(Date.now() - t0).toBeLessThan(5000);
        }
      });

      it('uses no LLM once the integration is disabled', async () => {
        mode = 'ok';
        const patched = await http(svc.url, 'PATCH', `/v1/integrations/${llmIntegration}`, {
          tenant: T,
          body: { enabled: false },
        });
        expect(patched.body.enabled).toBe(false);
        const before = llm.requests.length;
        const r = await http(svc.url, 'POST', '/v1/handoffs', { tenant: T, body: handoffBody(internal) });
        expect(r.body.summary.source).toBe('library');
        expect(llm.requests.length).toBe(before);
      });
    });
  });

  describe('Kafka intake (hub.handoff.requested.v1)', () => {
    const request = (data: Record<string, unknown>, tenantId = A, id = randomUUID()) =>
      newEnvelope({
        id,
        type: 'handoff.requested' as const,
        version: 1 as const,
        tenantId,
        source: 'bot-platform',
        correlationId: String(data.conversationId),
        data,
      }) as unknown as TopicEvent<'handoffRequested'>;

    it('creates the same kind of handoff as REST; a redelivered envelope creates nothing new', async () => {
      const body = handoffBody(integrationA, { routing: { queue: 'Billing' } });
      const env = request(body);
      await kafka.producer.publish('handoffRequested', env);
      await kafka.producer.publish('handoffRequested', env); // redelivery: same envelope id
      const row = await waitFor(
        async () =>
          (
            await sql<{ id: string; intake: string; status: string; idempotency_key: string }>(
              world,
              'SELECT id, intake, status, idempotency_key FROM handoffs WHERE conversation_id = $1',
              [body.conversationId],
            )
          )[0],
        { what: 'handoff from Kafka' },
      );
      expect(row).toMatchObject({ intake: 'kafka', status: 'requested', idempotency_key: env.id });
      const view = await http(svc.url, 'GET', `/v1/handoffs/${row.id}`, { tenant: A });
      expect(view.body.summary.source).toBe('library');
      const cmd = await waitFor(() => createCommandsFor(row.id)[0], { what: 'create command' });
      expect(cmd.data).toMatchObject({
        routing: { queue: 'Billing' },
        integrationDefaultQueueId: billingQueue,
      });
      expect(cmd.causationId).toBe(env.id);
      // one handoff, one command, even though the envelope arrived twice
      await waitFor(() => kafka.events('handoffOutcomes').find((e) => e.data.handoffId === row.id), {
        what: 'outcome',
      });
      expect(
        await sql(world, 'SELECT id FROM handoffs WHERE conversation_id = $1', [body.conversationId]),
      ).toHaveLength(1);
      expect(createCommandsFor(row.id)).toHaveLength(1);
    });

    it('dedupes REST and Kafka on the same idempotency key', async () => {
      const key = `shared-${randomUUID()}`;
      const body = handoffBody(integrationA, { idempotencyKey: key });
      const rest = await http(svc.url, 'POST', '/v1/handoffs', { tenant: A, body });
      await kafka.producer.publish('handoffRequested', request(body));
      // wait until the Kafka request was consumed: its redundant outcome would be the only trace, so
      // follow with a marker request on the same partition key and wait for it.
      const marker = handoffBody(integrationA, {
        conversationId: body.conversationId,
        idempotencyKey: `m-${key}`,
      });
      await kafka.producer.publish('handoffRequested', request(marker));
      await waitFor(
        async () =>
          (await sql(world, 'SELECT 1 FROM handoffs WHERE idempotency_key = $1', [`m-${key}`])).length === 1,
        { what: 'marker handoff' },
      );
      const rows = await sql<{ id: string }>(world, 'SELECT id FROM handoffs WHERE idempotency_key = $1', [
        key,
      ]);
      expect(rows).toEqual([{ id: rest.body.id }]);
    });

    it('records a request for an unknown integration as failed (error) and announces it', async () => {
      const body = handoffBody(randomUUID());
      await kafka.producer.publish('handoffRequested', request(body));
      const outcome = await waitFor(
        () => kafka.events('handoffOutcomes').find((e) => e.data.conversationId === body.conversationId),
        { what: 'failed outcome' },
      );
      expect(outcome.data).toMatchObject({ status: 'failed', reason: 'error' });
      expect(outcome.data.detail).toMatch(/integrationId: integration .* not found/);
      expect(
        kafka
          .events('workItemCommands')
          .find((e) => 'conversationId' in e.data && e.data.conversationId === body.conversationId),
      ).toBeUndefined();
    });
  });

  describe('isolation and reads', () => {
    it("GET /v1/handoffs/:id returns the tenant's handoff with transitions, 404 for another tenant", async () => {
      const r = await http(svc.url, 'POST', '/v1/handoffs', { tenant: A, body: handoffBody(integrationA) });
      const own = await http(svc.url, 'GET', `/v1/handoffs/${r.body.id}`, { tenant: A });
      expect(own.status).toBe(200);
      expect(own.body.transitions).toEqual([expect.objectContaining({ from: null, to: 'requested' })]);
      const other = await http(svc.url, 'GET', `/v1/handoffs/${r.body.id}`, { tenant: B });
      expect(other.status).toBe(404);
      const cancel = await http(svc.url, 'POST', `/v1/handoffs/${r.body.id}/withdraw`, { tenant: B });
      expect(cancel.status).toBe(404);
      expect((await http(svc.url, 'GET', '/v1/handoffs/not-a-uuid', { tenant: A })).status).toBe(404);
    });

    it('keeps integrations per tenant, validates typed config and never returns secrets', async () => {
      expect((await http(svc.url, 'GET', `/v1/integrations/${integrationA}`, { tenant: B })).status).toBe(
        404,
      );
      expect((await http(svc.url, 'DELETE', `/v1/integrations/${integrationA}`, { tenant: B })).status).toBe(
        404,
      );
      const listB = await http(svc.url, 'GET', '/v1/integrations', { tenant: B });
      expect(listB.body.map((i: { id: string }) => i.id)).toEqual([integrationB]);

      const bad = await http(svc.url, 'POST', '/v1/integrations', {
        tenant: A,
        body: { type: 'llm', name: 'bad', config: { baseUrl: 'not a url' } },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['config.baseUrl', 'config.model']),
      );
      const unknownQueue = await http(svc.url, 'POST', '/v1/integrations', {
        tenant: A,
        body: { type: 'internal', name: 'q', config: { defaultQueueId: randomUUID() } },
      });
      expect(unknownQueue.status).toBe(422);
      expect(unknownQueue.body.errors[0].field).toBe('config.defaultQueueId');
      const dup = await http(svc.url, 'POST', '/v1/integrations', {
        tenant: A,
        body: { type: 'internal', name: 'Internal Support Queue' },
      });
      expect(dup.status).toBe(409);

      const llm = await http(svc.url, 'POST', '/v1/integrations', {
        tenant: A,
        body: {
          type: 'llm',
          name: 'LLM',
          config: { baseUrl: 'http://127.0.0.1:9/v1', model: 'm' },
          secrets: { apiKey: 'sk-hidden' },
          enabled: false,
        },
      });
      for (const r of [
        await http(svc.url, 'GET', `/v1/integrations/${llm.body.id}`, { tenant: A }),
        await http(svc.url, 'GET', '/v1/integrations?type=llm', { tenant: A }),
        await http(svc.url, 'PATCH', `/v1/integrations/${llm.body.id}`, {
          tenant: A,
          body: { name: 'LLM 2' },
        }),
      ]) {
        expect(r.status).toBe(200);
        expect(JSON.stringify(r.body)).not.toContain('sk-hidden');
      }
      // encrypted at rest: no column of the row holds the key; the store decrypts it
      const stored = await sql<{ t: string }>(
        world,
        'SELECT i::text AS t FROM integrations i WHERE id = $1',
        [llm.body.id],
      );
      expect(stored[0].t).not.toContain('sk-hidden');
      const pool = createPgPool(world.databaseUrl, { max: 1 });
      try {
        const loaded = await integrationStoreFromEnv(pool, world.env).load(A, llm.body.id, 'llm', {
          enabledOnly: false,
        });
        expect(loaded?.secrets.apiKey).toBe('sk-hidden');
      } finally {
        await pool.end();
      }
      expect((await http(svc.url, 'DELETE', `/v1/integrations/${llm.body.id}`, { tenant: A })).status).toBe(
        204,
      );
      expect((await http(svc.url, 'GET', `/v1/integrations/${llm.body.id}`, { tenant: A })).status).toBe(404);
    });

    it('counts intake results and outcomes in /metrics', async () => {
      const res = await fetch(`${svc.url}/metrics`);
      const text = await res.text();
      const value = (line: RegExp) =>
        Number(
          text
            .split('\n')
            .find((l) => line.test(l))
            ?.split(' ')
            .pop(),
        );
      expect(value(/^hub_handoff_requests_total\{intake="rest",result="created"/)).toBeGreaterThan(5);
      expect(value(/^hub_handoff_requests_total\{intake="rest",result="replayed"/)).toBeGreaterThan(1);
      expect(value(/^hub_handoff_requests_total\{intake="kafka",result="rejected"/)).toBe(1);
      expect(text).toMatch(
        /^hub_handoff_enrichment_duration_seconds_count\{[^}]*summary_source="llm"[^}]*\} [1-9]/m,
      );
    });

    it('documents the API in OpenAPI', async () => {
      const doc = await http(svc.url, 'GET', '/docs-json');
      expect(doc.status).toBe(200);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining([
          '/v1/handoffs',
          '/v1/handoffs/{id}',
          '/v1/integrations',
          '/v1/integrations/{id}',
        ]),
      );
      const post = doc.body.paths['/v1/handoffs'].post;
      expect(post.requestBody.content['application/json'].schema.$ref).toBe(
        '#/components/schemas/HandoffRequest',
      );
      expect(doc.body.components.schemas.HandoffRequest.properties).toHaveProperty('transcript');
      expect(post.security).toEqual([{ apiKey: ['handoffs:write'] }, { oauth2: ['handoffs:write'] }]);
      expect(post.parameters.map((p: { name: string }) => p.name)).toEqual(['Idempotency-Key']);
    });
  });
});
