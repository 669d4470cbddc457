import { randomUUID } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { withIntegrationStore } from '@hub/integrations';
import {
  createTestWorld,
  waitFor,
  type TestWorld,
  api,
  connectWidget,
  startService,
  type RunningService,
  type Widget,
  knowledgeJsonl,
  startAssistStack,
  seedDefaultKnowledgeBase,
  authHeaders,
} from '@hub/testing';
import { FakePulsarReaderServer } from './fake-pulsar-reader.server';

jest.setTimeout(180_000);

const TENANT = 'acme';
const API_KEY = 'eght_e2e_key_0123';
const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef0123456789';
const EMBED_SECRET = 'e2e-embed-secret-0123456789abcdef0123456789';

const interaction = (event: string, guid: string, extra: Record<string, unknown> = {}) => ({
  Interaction: {
    event,
    interactionGUID: guid,
    mediaType: 'chat',
    direction: 'in',
    eventTS: Math.floor(Date.now() / 1000),
    msgInfo: {},
    ...extra,
  },
});

/**
 * End to end: 8x8 Event Streaming (Pulsar WebSocket reader protocol) → connector-8x8 → Redis agent
 * correlation → assist-gateway binds a widget known only by its 8x8 agent id to the interaction; the
 * customer's chat text (8x8 Event Streaming carries lifecycle, not text) is forwarded by the widget to
 * suggestion-service, whose suggestion arrives on that widget socket — and not on another agent's.
 */
describe('8x8 → running system → widget (e2e)', () => {
  let world: TestWorld;
  let prisma: PrismaClient;
  let pulsar: FakePulsarReaderServer;
  const services: RunningService[] = [];
  let suggestion: RunningService;
  let gateway: RunningService;
  const widgets: Widget[] = [];

  const embedToken = async (aid: string) => {
    const r = await api(
      `${gateway.url}/v1/embed-tokens`,
      'POST',
      { tenantId: TENANT, provider: '8x8', ctx: { aid } },
      { authorization: `Bearer ${ADMIN_KEY}` },
    );
    expect(r.status).toBe(201);
    return r.body.token as string;
  };

  beforeAll(async () => {
    world = await createTestWorld();
    prisma = createPrismaClient(world.databaseUrl, 2);
    pulsar = new FakePulsarReaderServer('acme-8x8', API_KEY);
    await pulsar.listen();
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.create(TENANT, {
        id: randomUUID(),
        type: 'eightbyeight',
        name: '8x8',
        config: { eightByEightTenant: 'acme-8x8', host: pulsar.host, scheme: 'ws', receiverQueueSize: 100 },
        secrets: { apiKey: API_KEY },
        enabled: true,
      }),
    );
    const [stack, connector] = await Promise.all([
      startAssistStack(world.env, { embedSecret: EMBED_SECRET, adminKey: ADMIN_KEY }),
      startService('connector-8x8', {
        ...world.env,
        EIGHTX8_INITIAL_POSITION: 'earliest',
        EIGHTX8_BACKOFF_INITIAL_MS: '50',
        EIGHTX8_RELOAD_INTERVAL_MS: '1000',
      }),
    ]);
    ({ suggestion, gateway } = stack);
    services.push(suggestion, gateway, connector);
    await seedDefaultKnowledgeBase(
      suggestion.url,
      TENANT,
      'hotels',
      knowledgeJsonl(['ASHLEY HOTEL', 'ACORN GUEST HOUSE']),
    );
    await waitFor(() => pulsar.readers.size === 1, { what: 'connector-8x8 reading', timeoutMs: 30000 });
  });

  afterAll(async () => {
    for (const w of widgets) w.socket.close();
    await Promise.allSettled(services.map((s) => s.stop()));
    await pulsar?.close();
    await prisma?.$disconnect();
    await world?.drop();
  });

  it('delivers the suggestion for an 8x8 interaction to the widget of the agent who accepted it, found by agent id only', async () => {
    const mine = await connectWidget(gateway.url, await embedToken('agAshley01'));
    const other = await connectWidget(gateway.url, await embedToken('agOther02'));
    widgets.push(mine, other);
    const guid = `int-${randomUUID()}-chat-01-acme`;
    const otherGuid = `int-${randomUUID()}-chat-01-acme`;

    for (const e of ['InteractionCreated', 'InteractionQueued'])
      pulsar.publishEvent(interaction(e, guid, { queueId: 1162 }));
    pulsar.publishEvent(interaction('InteractionAssigned', guid, { agentId: 'agAshley01' }));
    pulsar.publishEvent(interaction('InteractionAccepted', guid, { agentId: 'agAshley01' }));
    pulsar.publishEvent(interaction('InteractionAccepted', otherGuid, { agentId: 'agOther02' }));
    await waitFor(() => mine.interactions.includes(guid), {
      what: 'widget bound to the accepted interaction',
      timeoutMs: 30000,
    });
    await waitFor(() => other.interactions.includes(otherGuid), {
      what: 'other widget bound to its interaction',
      timeoutMs: 30000,
    });

    // the customer's chat text, forwarded by the agent widget to suggestion-service
    const said = await api(
      `${suggestion.url}/v1/interactions/${encodeURIComponent(guid)}/utterances`,
      'POST',
      {
        speaker: 'customer',
        text: 'Hi, I am staying at the Ashley Hotel. Is parking available there?',
        provider: 'widget',
        utteranceId: 'u1',
      },
      await authHeaders(TENANT),
    );
    expect(said.status).toBe(202);
    const s = await waitFor(() => mine.suggestions.find((x) => x.utteranceId === 'u1'), {
      what: 'suggestion on the widget',
      timeoutMs: 120000,
    });
    expect(s.interactionId).toBe(guid);
    expect(s.answer.toLowerCase()).toContain('park');
    expect(s.sources.length).toBeGreaterThan(0);
    expect(other.suggestions.some((x) => x.interactionId === guid)).toBe(false);

    // wrap-up ends the agent's interaction: the widget is told it has none
    pulsar.publishEvent(interaction('InteractionEndPostProcess', guid, { agentId: 'agAshley01' }));
    await waitFor(() => mine.interactions[mine.interactions.length - 1] === null, {
      what: 'widget unbound after wrap-up',
      timeoutMs: 30000,
    });
  });
});
