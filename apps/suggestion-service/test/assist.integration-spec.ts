import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { withIntegrationStore } from '@hub/integrations';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { api, knowledgeRowsOf, startService, toJsonl } from './helpers';
import { FakeOpenAi } from './fake-openai';

interface SuggestionEvent {
  type: 'assist.suggestion';
  tenantId: string;
  correlationId: string;
  data: {
    suggestionId: string;
    interactionId: string;
    utteranceId?: string;
    answer: string;
    sources: { documentId: string; title: string; knowledgeBaseId?: string }[];
    confidence: number;
    generator: string;
    fallbackReason?: string;
    knowledgeBaseId?: string;
    timings: { retrievalMs: number; generationMs: number; totalMs: number };
  };
}

// the shared machine can be heavily loaded: generous waits, no sleeps as assertions
jest.setTimeout(90000);

describe('assist pipeline (Kafka → retrieval → suggestion)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let prisma: PrismaClient;
  const probe = new KafkaProbe();
  const llm = new FakeOpenAi();
  let hotelsKb: string;
  let restaurantsKb: string;
  let llmId: string;

  /** Every event on the suggestions topic (complete suggestions and answer deltas), in order. */
  const events = () =>
    probe
      .on(`${world.kafkaNamespace}hub.assist.suggestions.v1`)
      .map(
        (m) =>
          m.json() as SuggestionEvent | { type: 'assist.suggestion.delta'; data: { interactionId: string } },
      );
  const suggestions = () => events().filter((e): e is SuggestionEvent => e.type === 'assist.suggestion');
  const say = (tenant: string, interactionId: string, body: Record<string, unknown>) =>
    api(url, 'POST', `/v1/interactions/${interactionId}/utterances`, tenant, {
      provider: 'widget',
      isFinal: true,
      ...body,
    });
  const suggestionFor = (interactionId: string, utteranceId: string) =>
    waitFor(
      () =>
        suggestions().find(
          (s) => s.data.interactionId === interactionId && s.data.utteranceId === utteranceId,
        ),
      {
        timeoutMs: 60000,
        what: `suggestion for ${interactionId}/${utteranceId}`,
      },
    );

  beforeAll(async () => {
    world = await createTestWorld();
    prisma = createPrismaClient(world.databaseUrl, 2);
    const llmBase = await llm.start();
    ({ app, url } = await startService(world));
    await probe.start([`${world.kafkaNamespace}hub.assist.suggestions.v1`]);

    hotelsKb = (await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'hotels' })).body.id;
    restaurantsKb = (await api(url, 'POST', '/v1/knowledge-bases', 'acme', { name: 'restaurants' })).body.id;
    const up = async (kb: string, entities: string[]) =>
      expect(
        (
          await api(
            url,
            'POST',
            `/v1/knowledge-bases/${kb}/documents`,
            'acme',
            toJsonl(knowledgeRowsOf(entities)),
            {
              'content-type': 'application/x-ndjson',
            },
          )
        ).status,
      ).toBe(201);
    await up(hotelsKb, ['A AND B GUEST HOUSE', 'ASHLEY HOTEL', 'ACORN GUEST HOUSE']);
    await up(restaurantsKb, ['PIZZA HUT CITY CENTRE', 'BEDOUIN']);
    llmId = randomUUID();
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.create('acme', {
        id: llmId,
        type: 'llm',
        name: 'local-llm',
        config: { baseUrl: llmBase, model: 'test-model', timeoutMs: 4000 },
        secrets: { apiKey: 'sk-test' },
        enabled: true,
      }),
    );
    expect(
      (
        await api(url, 'PUT', '/v1/assist-settings', 'acme', {
          defaultKnowledgeBaseId: hotelsKb,
          defaultSystemPrompt: 'Default prompt.',
        })
      ).status,
    ).toBe(200);
    const mapped = await api(url, 'PUT', '/v1/queue-mappings/Dining', 'acme', {
      knowledgeBaseId: restaurantsKb,
      systemPrompt: 'You answer questions about restaurants only.',
      llmIntegrationId: llmId,
    });
    expect(mapped.status).toBe(200);
  }, 90000);

  afterAll(async () => {
    await probe.stop();
    await app?.close();
    await llm.stop();
    await prisma?.$disconnect();
    await world?.drop();
  });

  it('validates the ingestion endpoint, naming fields', async () => {
    const bad = await say('acme', 'i-bad', { speaker: 'bot', text: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('speaker:');
    expect(bad.body.message).toContain('text:');
  });

  it('suggests from the tenant default KB using the whole conversation (entity named earlier)', async () => {
    const iid = `call-${randomUUID()}`;
    await say('acme', iid, {
      speaker: 'customer',
      text: 'Hi, I booked a room at the Ashley Hotel.',
      utteranceId: 'u1',
    });
    await say('acme', iid, {
      speaker: 'agent',
      text: 'Great, how can I help with your stay?',
      utteranceId: 'u2',
    });
    // a partial transcript never triggers a suggestion
    await say('acme', iid, {
      speaker: 'customer',
      text: 'is there',
      utteranceId: 'u3-partial',
      isFinal: false,
    });
    expect(
      (
        await say('acme', iid, {
          speaker: 'customer',
          text: 'Is parking available there?',
          utteranceId: 'u3',
        })
      ).status,
    ).toBe(202);
    const s = await suggestionFor(iid, 'u3');
    expect(s.tenantId).toBe('acme');
    expect(s.correlationId).toBe(iid);
    expect(s.data.knowledgeBaseId).toBe(hotelsKb);
    expect(s.data.generator).toBe('extractive');
    expect(s.data.sources.length).toBeGreaterThan(0);
    expect(s.data.sources[0].documentId).toMatch(/^hotel\/7\//); // Ashley Hotel's documents
    expect(s.data.answer.toLowerCase()).toContain('park');
    expect(s.data.confidence).toBeGreaterThan(0);
    expect(s.data.timings.totalMs).toBeGreaterThanOrEqual(s.data.timings.retrievalMs);
    expect(
      suggestions()
        .filter((x) => x.data.interactionId === iid)
        .map((x) => x.data.utteranceId),
    ).toEqual(['u1', 'u3']); // final customer utterances only: no agent turn (u2), no partial (u3-partial)
    // the extractive path publishes complete suggestions only: no deltas
    expect(events().filter((x) => x.data.interactionId === iid)).toHaveLength(2);
  });

  it('uses the queue mapping: mapped KB, and the LLM called (streaming) with the mapped system prompt', async () => {
    const iid = `chat-${randomUUID()}`;
    llm.mode = 'ok';
    const before = llm.received.length;
    await say('acme', iid, {
      speaker: 'customer',
      text: 'Does Bedouin serve vegetarian food?',
      utteranceId: 'q1',
      queue: 'dining',
    });
    const s = await suggestionFor(iid, 'q1');
    expect(s.data.knowledgeBaseId).toBe(restaurantsKb);
    expect(s.data.sources.every((x) => x.documentId.startsWith('restaurant/'))).toBe(true);
    expect(s.data.generator).toBe('llm');
    expect(s.data.answer).toBe(llm.reply);
    const call = llm.received[before];
    expect(call.body.stream).toBe(true);
    expect(call.body.model).toBe('test-model');
    expect(call.authorization).toBe('Bearer sk-test');
    expect(call.body.messages[0]).toEqual({
      role: 'system',
      content: 'You answer questions about restaurants only.',
    });
    expect(call.body.messages[1].content).toContain('Does Bedouin serve vegetarian food?');
  });

  it('a mapping changed or removed through the API applies to the very next utterance (the cached read is dropped)', async () => {
    const iid = `chat-${randomUUID()}`;
    llm.mode = 'ok';
    await say('acme', iid, {
      speaker: 'customer',
      text: 'Is Bedouin expensive?',
      utteranceId: 'm1',
      queue: 'dining',
    });
    expect((await suggestionFor(iid, 'm1')).data.knowledgeBaseId).toBe(restaurantsKb); // read, now cached
    const moved = await api(url, 'PUT', '/v1/queue-mappings/Dining', 'acme', { knowledgeBaseId: hotelsKb });
    expect(moved.status).toBe(200);
    await say('acme', iid, {
      speaker: 'customer',
      text: 'Is it expensive?',
      utteranceId: 'm2',
      queue: 'dining',
    });
    const after = await suggestionFor(iid, 'm2');
    expect(after.data.knowledgeBaseId).toBe(hotelsKb);
    expect(after.data.generator).toBe('extractive'); // the new mapping names no LLM, the default has none
    const restored = await api(url, 'PUT', '/v1/queue-mappings/Dining', 'acme', {
      knowledgeBaseId: restaurantsKb,
      systemPrompt: 'You answer questions about restaurants only.',
      llmIntegrationId: llmId,
    });
    expect(restored.status).toBe(200);
    await say('acme', iid, {
      speaker: 'customer',
      text: 'Is Bedouin open late?',
      utteranceId: 'm3',
      queue: 'dining',
    });
    expect((await suggestionFor(iid, 'm3')).data.knowledgeBaseId).toBe(restaurantsKb);
  });

  it('falls back to the extractive answer and says why when the LLM times out or fails', async () => {
    llm.mode = 'stall';
    const a = `chat-${randomUUID()}`;
    await say('acme', a, {
      speaker: 'customer',
      text: 'Is Bedouin good for groups?',
      utteranceId: 't1',
      queue: 'Dining',
    });
    const slow = await suggestionFor(a, 't1');
    expect(slow.data.generator).toBe('extractive');
    expect(slow.data.fallbackReason).toMatch(/^llm_timeout/);
    expect(slow.data.answer.length).toBeGreaterThan(0);

    llm.mode = 'error';
    const b = `chat-${randomUUID()}`;
    await say('acme', b, {
      speaker: 'customer',
      text: 'Is Bedouin good for groups?',
      utteranceId: 'e1',
      queue: 'Dining',
    });
    const failed = await suggestionFor(b, 'e1');
    expect(failed.data.generator).toBe('extractive');
    expect(failed.data.fallbackReason).toMatch(/^llm_http_error: HTTP 500/);
    llm.mode = 'ok';
  });

  it('keeps interactions and tenants apart: an utterance only ever yields a suggestion for its own interaction and tenant', async () => {
    const x = `call-${randomUUID()}`;
    const y = `call-${randomUUID()}`;
    // tenant globex has its own KB; the same interaction id under another tenant is another conversation
    const gkb = (await api(url, 'POST', '/v1/knowledge-bases', 'globex', { name: 'g' })).body.id;
    await api(
      url,
      'POST',
      `/v1/knowledge-bases/${gkb}/documents`,
      'globex',
      toJsonl(knowledgeRowsOf(['BEDOUIN'])),
      {
        'content-type': 'application/x-ndjson',
      },
    );
    await api(url, 'PUT', '/v1/assist-settings', 'globex', { defaultKnowledgeBaseId: gkb });
    // acme must not be able to point its settings at globex's KB
    const cross = await api(url, 'PUT', '/v1/assist-settings', 'acme', { defaultKnowledgeBaseId: gkb });
    expect(cross.status).toBe(400);
    expect(cross.body.message).toContain('defaultKnowledgeBaseId');

    await say('acme', x, {
      speaker: 'customer',
      text: 'I am staying at the Acorn Guest House.',
      utteranceId: 'x1',
    });
    await say('acme', y, {
      speaker: 'customer',
      text: 'Does the Ashley Hotel have a gym?',
      utteranceId: 'y1',
    });
    await say('globex', x, { speaker: 'customer', text: 'Is Bedouin open late?', utteranceId: 'gx1' });
    const sx = await suggestionFor(x, 'x1');
    const sy = await suggestionFor(y, 'y1');
    const gx = await suggestionFor(x, 'gx1');
    expect(sx.tenantId).toBe('acme');
    expect(sy.tenantId).toBe('acme');
    expect(gx.tenantId).toBe('globex');
    expect(gx.data.knowledgeBaseId).toBe(gkb);
    // the Acorn conversation's context never leaks into interaction y (Ashley) nor into globex's x
    expect(sy.data.sources[0].documentId).toMatch(/^hotel\/7\//);
    expect(gx.data.sources.every((s) => s.documentId.startsWith('restaurant/'))).toBe(true);
    for (const s of suggestions()) {
      if (s.data.interactionId === x && s.tenantId === 'acme') expect(['x1']).toContain(s.data.utteranceId);
      if (s.data.interactionId === x && s.tenantId === 'globex') expect(s.data.utteranceId).toBe('gx1');
      if (s.data.interactionId === y) expect(s.data.utteranceId).toBe('y1');
      expect(s.correlationId).toBe(s.data.interactionId);
    }
    // the context window lives in PostgreSQL per (tenant, interaction)
    const ctxA = await prisma.interactionContext.findUnique({
      where: { tenantId_interactionId: { tenantId: 'acme', interactionId: x } },
    });
    const ctxG = await prisma.interactionContext.findUnique({
      where: { tenantId_interactionId: { tenantId: 'globex', interactionId: x } },
    });
    expect((ctxA!.utterances as { utteranceId: string }[]).map((u) => u.utteranceId)).toEqual(['x1']);
    expect((ctxG!.utterances as { utteranceId: string }[]).map((u) => u.utteranceId)).toEqual(['gx1']);
  });
});
