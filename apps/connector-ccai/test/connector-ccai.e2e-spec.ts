import { randomUUID } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
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
} from '@hub/testing';
import { createTestSigner, type TestSigner } from './support/oidc-test-keys';
import { CCAI, createCcaiIntegration, pushBody } from './support/ccai-fixtures';

jest.setTimeout(180_000);

const { tenant: TENANT, audience: AUDIENCE, pushServiceAccount: PUSH_SA } = CCAI;
const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef0123456789';
const EMBED_SECRET = 'e2e-embed-secret-0123456789abcdef0123456789';

/**
 * End to end: Google Pub/Sub push deliveries (authenticated with a Google-style OIDC token) →
 * connector-ccai → Kafka → (suggestion-service for customer messages | Dialogflow pass-through) →
 * assist-gateway → the widget socket of that conversation, and not another conversation's.
 */
describe('CCAI Pub/Sub push → running system → widget (e2e)', () => {
  let world: TestWorld;
  let prisma: PrismaClient;
  let signer: TestSigner;
  const services: RunningService[] = [];
  let suggestion: RunningService;
  let gateway: RunningService;
  let connector: RunningService;
  const widgets: Widget[] = [];

  const widgetFor = async (interactionId: string) => {
    const r = await api(
      `${gateway.url}/v1/embed-tokens`,
      'POST',
      { tenantId: TENANT, provider: 'hub', agentId: 'agent-9', interactionId },
      { authorization: `Bearer ${ADMIN_KEY}` },
    );
    expect(r.status).toBe(201);
    const w = await connectWidget(gateway.url, r.body.token as string);
    widgets.push(w);
    return w;
  };
  const push = async (data: unknown) => {
    const messageId = String(Date.now()) + Math.floor(Math.random() * 1000);
    const token = await signer.token({ aud: AUDIENCE, email: PUSH_SA, email_verified: true });
    return api(`${connector.url}/v1/pubsub/push`, 'POST', pushBody(data, messageId), {
      authorization: `Bearer ${token}`,
    });
  };

  beforeAll(async () => {
    world = await createTestWorld();
    signer = await createTestSigner();
    prisma = createPrismaClient(world.databaseUrl, 2);
    await createCcaiIntegration(world);
    const [stack, started] = await Promise.all([
      startAssistStack(world.env, { embedSecret: EMBED_SECRET, adminKey: ADMIN_KEY }),
      startService('connector-ccai', { ...world.env, CCAI_OIDC_JWKS_FILE: signer.jwksFile }),
    ]);
    ({ suggestion, gateway } = stack);
    connector = started;
    services.push(suggestion, gateway, connector);
    await seedDefaultKnowledgeBase(
      suggestion.url,
      TENANT,
      'hotels',
      knowledgeJsonl(['ASHLEY HOTEL', 'ACORN GUEST HOUSE']),
    );
  });

  afterAll(async () => {
    for (const w of widgets) w.socket.close();
    await Promise.allSettled(services.map((s) => s.stop()));
    await prisma?.$disconnect();
    await world?.drop();
  });

  it("turns a customer's NEW_MESSAGE into a suggestion on that conversation's widget", async () => {
    const conv = `conv-${randomUUID()}`;
    const conversation = `projects/globex-prj/locations/global/conversations/${conv}`;
    const mine = await widgetFor(conv);
    const other = await widgetFor(`conv-${randomUUID()}`);
    expect((await push({ conversation, type: 'CONVERSATION_STARTED' })).status).toBe(200);
    const res = await push({
      conversation,
      type: 'NEW_MESSAGE',
      newMessagePayload: {
        name: `${conversation}/messages/msg-1`,
        content: 'Hi, I am staying at the Ashley Hotel. Is parking available there?',
        participant: `${conversation}/participants/end-user`,
        participantRole: 'END_USER',
        languageCode: 'en-US',
      },
    });
    expect(res.body).toMatchObject({ status: 'published', events: 1 });
    const s = await waitFor(() => mine.suggestions.find((x) => x.utteranceId === 'msg-1'), {
      what: 'suggestion on the widget',
      timeoutMs: 120000,
    });
    expect(s.interactionId).toBe(conv);
    expect(s.answer.toLowerCase()).toContain('park');
    expect(other.suggestions).toHaveLength(0);
  });

  it('passes an Agent Assist (Dialogflow) suggestion through to the widget with its source marked', async () => {
    const conv = `conv-${randomUUID()}`;
    const conversation = `projects/globex-prj/locations/global/conversations/${conv}`;
    const mine = await widgetFor(conv);
    const res = await push({
      conversation,
      participant: `${conversation}/participants/agent-9`,
      suggestionResults: [
        {
          suggestFaqAnswersResponse: {
            faqAnswers: [
              {
                answer: 'Free private parking is available on site.',
                confidence: 0.91,
                question: 'Is there parking?',
                source: 'kb/faq/parking',
              },
            ],
            latestMessage: `${conversation}/messages/msg-2`,
          },
        },
      ],
    });
    expect(res.body).toMatchObject({ status: 'published', events: 1 });
    const s = await waitFor(() => mine.suggestions.find((x) => x.generator === 'dialogflow'), {
      what: 'Dialogflow suggestion on the widget',
      timeoutMs: 60000,
    });
    expect(s).toMatchObject({
      interactionId: conv,
      utteranceId: 'msg-2',
      answer: 'Free private parking is available on site.',
    });
    expect(s.sources[0]).toMatchObject({ documentId: 'kb/faq/parking', title: 'Is there parking?' });
  });
});
