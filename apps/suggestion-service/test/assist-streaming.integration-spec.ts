import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { withIntegrationStore } from '@hub/integrations';
import {
  KafkaProbe,
  connectWidget,
  createTestWorld,
  startService as startChildService,
  waitFor,
  type RunningService,
  type TestWorld,
  type Widget,
} from '@hub/testing';
import { api, knowledgeRowsOf, startService, toJsonl } from './helpers';
import { FakeOpenAi } from './fake-openai';

const EMBED_SECRET = 'assist-streaming-spec-secret-0123456789abcdef';
const ADMIN_KEY = 'assist-streaming-admin-key-0123456789abcdef';
const TENANT = 'acme-stream';

interface Source {
  documentId: string;
  title: string;
  score?: number;
  knowledgeBaseId?: string;
}
interface DeltaData {
  suggestionId: string;
  interactionId: string;
  utteranceId?: string;
  seq: number;
  text: string;
  sources?: Source[];
  confidence?: number;
  knowledgeBaseId?: string;
}
interface FinalData {
  suggestionId: string;
  interactionId: string;
  utteranceId?: string;
  answer: string;
  sources: Source[];
  confidence: number;
  generator: string;
  fallbackReason?: string;
  knowledgeBaseId?: string;
}
type OnKafka = { tenantId: string; occurredAt: string; partition: number; offset: number } & (
  { type: 'assist.suggestion.delta'; data: DeltaData } | { type: 'assist.suggestion'; data: FinalData }
);

/** What a widget socket received on the answer events, in arrival order. */
type WidgetEvent =
  | { event: 'suggestion.delta'; view: DeltaData & { tenantId: string } }
  | { event: 'suggestion'; view: FinalData & { tenantId: string } };

// the shared machine can be heavily loaded: generous waits, no sleeps as assertions
jest.setTimeout(120_000);

/**
 * LLM answers stream: suggestion-service (in process) publishes `assist.suggestion.delta` while the
 * local OpenAI-compatible server streams the answer slowly, then the complete suggestion;
 * assist-gateway (child process) relays both to the widget socket of that interaction only.
 */
describe('streamed LLM answers (Kafka deltas → assist-gateway → widget socket)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let gateway: RunningService;
  let prisma: PrismaClient;
  const probe = new KafkaProbe();
  const llm = new FakeOpenAi();
  const widgets: Widget[] = [];
  let kb: string;

  const topic = () => `${world.kafkaNamespace}hub.assist.suggestions.v1`;
  const onKafka = (tenantId: string, interactionId: string): OnKafka[] =>
    probe
      .on(topic())
      .map((m) => ({
        ...(m.json() as Omit<OnKafka, 'partition' | 'offset'>),
        partition: m.partition,
        offset: Number(m.offset),
      }))
      .filter((e) => e.tenantId === tenantId && e.data.interactionId === interactionId) as OnKafka[];
  const finalOnKafka = (tenantId: string, interactionId: string) =>
    waitFor(
      () => {
        const all = onKafka(tenantId, interactionId);
        const final = all.find((e) => e.type === 'assist.suggestion');
        return final ? { all, final: final as OnKafka & { type: 'assist.suggestion' } } : undefined;
      },
      { timeoutMs: 60_000, what: `suggestion for ${interactionId}` },
    );
  const say = (interactionId: string, text: string, utteranceId: string) =>
    api(url, 'POST', `/v1/interactions/${interactionId}/utterances`, TENANT, {
      provider: 'widget',
      speaker: 'customer',
      isFinal: true,
      text,
      utteranceId,
    });

  /** A widget socket bound to (tenant, interaction), recording answer events in arrival order. */
  async function widget(tenantId: string, interactionId: string) {
    const minted = await fetch(`${gateway.url}/v1/embed-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ tenantId, provider: 'hub', agentId: 'agent-1', interactionId }),
    });
    expect(minted.status).toBe(201);
    const w = await connectWidget(gateway.url, ((await minted.json()) as { token: string }).token);
    widgets.push(w);
    const received: WidgetEvent[] = [];
    w.socket.on('suggestion.delta', (view: WidgetEvent['view']) =>
      received.push({ event: 'suggestion.delta', view } as WidgetEvent),
    );
    w.socket.on('suggestion', (view: WidgetEvent['view']) =>
      received.push({ event: 'suggestion', view } as WidgetEvent),
    );
    await waitFor(() => w.interactions.includes(interactionId), { what: `widget bound to ${interactionId}` });
    return received;
  }

  beforeAll(async () => {
    world = await createTestWorld();
    prisma = createPrismaClient(world.databaseUrl, 2);
    const llmBase = await llm.start();
    [{ app, url }, gateway] = await Promise.all([
      startService(world),
      startChildService('assist-gateway', {
        ...world.env,
        EMBED_TOKEN_SECRET: EMBED_SECRET,
        ASSIST_ADMIN_API_KEY: ADMIN_KEY,
      }),
    ]);
    await probe.start([topic()]);
    kb = (await api(url, 'POST', '/v1/knowledge-bases', TENANT, { name: 'restaurants' })).body.id;
    const up = await api(
      url,
      'POST',
      `/v1/knowledge-bases/${kb}/documents`,
      TENANT,
      toJsonl(knowledgeRowsOf(['BEDOUIN', 'PIZZA HUT CITY CENTRE'])),
      { 'content-type': 'application/x-ndjson' },
    );
    expect(up.status).toBe(201);
    const llmId = randomUUID();
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.create(TENANT, {
        id: llmId,
        type: 'llm',
        name: 'local-llm',
        config: { baseUrl: llmBase, model: 'test-model', timeoutMs: 30_000 },
        secrets: { apiKey: 'sk-test' },
        enabled: true,
      }),
    );
    const settings = await api(url, 'PUT', '/v1/assist-settings', TENANT, {
      defaultKnowledgeBaseId: kb,
      llmIntegrationId: llmId,
    });
    expect(settings.status).toBe(200);
    // a slowly generated answer: one word every 150 ms
    llm.chunkDelayMs = 150;
    llm.reply = 'Yes — Bedouin serves vegetarian dishes, and the kitchen can adapt most mains on request.';
  }, 120_000);

  afterAll(async () => {
    for (const w of widgets) w.socket.close();
    await probe.stop();
    await app?.close();
    await gateway?.stop();
    await llm.stop();
    await prisma?.$disconnect();
    await world?.drop();
  });

  it('publishes deltas (seq 1…n, sources on the first) before the complete suggestion, and only that interaction’s widget sees the answer grow', async () => {
    const iid = `chat-${randomUUID()}`;
    const mine = await widget(TENANT, iid);
    const otherInteraction = await widget(TENANT, `${iid}-other`);
    const otherTenant = await widget('globex', iid); // same interaction id, another tenant

    expect((await say(iid, 'Does Bedouin serve vegetarian food?', 'q1')).status).toBe(202);
    const { all, final } = await finalOnKafka(TENANT, iid);
    const deltas = all.filter((e) => e.type === 'assist.suggestion.delta');

    // on Kafka: the LLM answer, streamed in several pieces that all precede it in the partition
    expect(final.data.generator).toBe('llm');
    expect(final.data.fallbackReason).toBeUndefined();
    expect(final.data.answer).toBe(llm.reply);
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas.map((d) => d.data.seq)).toEqual(deltas.map((_, i) => i + 1));
    for (const d of deltas) {
      expect(d.partition).toBe(final.partition);
      expect(d.offset).toBeLessThan(final.offset);
      expect(d.data).toMatchObject({ suggestionId: final.data.suggestionId, utteranceId: 'q1' });
    }
    expect(deltas.map((d) => d.data.text).join('')).toBe(final.data.answer);
    // sources and confidence come with the first piece, not again
    expect(deltas[0].data.sources).toEqual(final.data.sources);
    expect(deltas[0].data.sources!.length).toBeGreaterThan(0);
    expect(deltas[0].data.confidence).toBe(final.data.confidence);
    expect(deltas[0].data.knowledgeBaseId).toBe(kb);
    expect(deltas.slice(1).every((d) => d.data.sources === undefined)).toBe(true);
    // published while generating, not in a burst at the end (14 chunks, 150 ms apart)
    expect(Date.parse(final.occurredAt) - Date.parse(deltas[0].occurredAt)).toBeGreaterThanOrEqual(1000);

    // the widget of that interaction: growing text, then the complete suggestion
    await waitFor(() => mine.find((e) => e.event === 'suggestion'), {
      timeoutMs: 30_000,
      what: 'widget final',
    });
    const last = mine.at(-1)!;
    expect(last.event).toBe('suggestion');
    expect(last.view).toMatchObject({ tenantId: TENANT, answer: llm.reply, generator: 'llm' });
    const pieces = mine.filter((e) => e.event === 'suggestion.delta').map((e) => e.view as DeltaData);
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(pieces.map((p) => p.seq)).toEqual(pieces.map((_, i) => i + 1));
    expect(pieces[0].sources?.map((s) => s.documentId)).toEqual(final.data.sources.map((s) => s.documentId));
    const growing = pieces.map((_, i) =>
      pieces
        .slice(0, i + 1)
        .map((p) => p.text)
        .join(''),
    );
    for (let i = 1; i < growing.length; i++) {
      expect(growing[i].startsWith(growing[i - 1])).toBe(true);
      expect(growing[i].length).toBeGreaterThan(growing[i - 1].length);
    }
    expect(growing.at(-1)).toBe(llm.reply);

    // a marker answer on the other interaction, produced after: its widget sees only its own answer
    expect((await say(`${iid}-other`, 'Is Pizza Hut City Centre open late?', 'm1')).status).toBe(202);
    const marker = await finalOnKafka(TENANT, `${iid}-other`);
    await waitFor(() => otherInteraction.find((e) => e.event === 'suggestion'), {
      timeoutMs: 30_000,
      what: 'marker on the other widget',
    });
    expect(otherInteraction.every((e) => e.view.suggestionId === marker.final.data.suggestionId)).toBe(true);
    expect(otherTenant).toEqual([]);
  });

  it('LLM failing mid-stream: the deltas so far, then the extractive answer flagged with the reason', async () => {
    const iid = `chat-${randomUUID()}`;
    const mine = await widget(TENANT, iid);
    llm.failAfterChunks = 4;
    try {
      expect((await say(iid, 'Is Bedouin good for groups?', 'g1')).status).toBe(202);
      const { all, final } = await finalOnKafka(TENANT, iid);
      const deltas = all.filter((e) => e.type === 'assist.suggestion.delta');
      expect(final.data.generator).toBe('extractive');
      expect(final.data.fallbackReason).toMatch(/^llm_network_error: /);
      expect(final.data.answer.length).toBeGreaterThan(0);
      // pieces of the failed answer went out first; the final one replaces them
      expect(deltas.length).toBeGreaterThanOrEqual(1);
      expect(deltas.map((d) => d.data.seq)).toEqual(deltas.map((_, i) => i + 1));
      for (const d of deltas) expect(d.offset).toBeLessThan(final.offset);
      const partial = deltas.map((d) => d.data.text).join('');
      expect(llm.reply.startsWith(partial)).toBe(true);
      expect(partial.length).toBeLessThan(llm.reply.length);
      expect(final.data.answer).not.toBe(partial);
      expect(deltas[0].data.sources).toEqual(final.data.sources);

      await waitFor(() => mine.find((e) => e.event === 'suggestion'), {
        timeoutMs: 30_000,
        what: 'widget final',
      });
      expect(mine.at(-1)).toMatchObject({
        event: 'suggestion',
        view: {
          generator: 'extractive',
          answer: final.data.answer,
          fallbackReason: final.data.fallbackReason,
        },
      });
      expect(mine.filter((e) => e.event === 'suggestion.delta').length).toBe(deltas.length);
    } finally {
      llm.failAfterChunks = null;
    }
  });
});
