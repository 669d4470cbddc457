import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { MessagingService } from '@hub/messaging';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { KafkaProbe, createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import type { CreatePushSubscriptionRequest, PubSubAdmin } from '../src/admin/pubsub-admin.repository';
import { createTestSigner, type TestSigner } from './support/oidc-test-keys';
import { CCAI, createCcaiIntegration, pushBody, startCcaiApp } from './support/ccai-fixtures';

const { subscription: SUBSCRIPTION, audience: AUDIENCE, pushServiceAccount: PUSH_SA } = CCAI;
const ADMIN_TOKEN = 'admin-token-0123456789abcdef-0123456789';
const conversation = 'projects/globex-prj/locations/global/conversations/conv-ccai-1';

describe('connector-ccai push endpoint (real PostgreSQL and Kafka)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let base: string;
  let signer: TestSigner;
  let prisma: PrismaClient;
  const probe = new KafkaProbe();
  const adminCalls: CreatePushSubscriptionRequest[] = [];
  const fakeAdmin: PubSubAdmin = {
    createPushSubscription: async (req) => {
      adminCalls.push(req);
      return { name: `projects/${req.projectId}/subscriptions/${req.subscriptionId}` };
    },
  };
  const integrationId = randomUUID();

  const goodToken = () =>
    signer.token({ aud: AUDIENCE, email: PUSH_SA, email_verified: true, sub: '1234567890' });
  const wrapped = (
    data: unknown,
    messageId: string,
    opts: { subscription?: string; rawData?: string } = {},
  ) => pushBody(data, messageId, { ...opts, publishTime: '2026-11-21T10:00:00.000Z' });
  const push = async (body: unknown, token: string | null, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/v1/pubsub/push`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const topic = (name: string) =>
    probe
      .on(`${world.kafkaNamespace}${name}`)
      .map((m) => m.json() as { id: string; causationId: string; data: Record<string, unknown> });
  const conversationEvents = () => topic('hub.conversation.events.v1');
  const suggestions = () => topic('hub.assist.suggestions.v1');
  const newMessage = (content: string, role = 'END_USER', id = randomUUID()) => ({
    conversation,
    type: 'NEW_MESSAGE',
    newMessagePayload: {
      name: `${conversation}/messages/${id}`,
      content,
      languageCode: 'en-US',
      participant: `${conversation}/participants/p-${role}`,
      participantRole: role,
    },
  });

  beforeAll(async () => {
    world = await createTestWorld();
    signer = await createTestSigner();
    prisma = createPrismaClient(world.databaseUrl, 2);
    await createCcaiIntegration(
      world,
      {
        serviceAccountKeyJson: JSON.stringify({
          type: 'service_account',
          project_id: 'globex-prj',
          client_email: PUSH_SA,
          private_key: 'not-used',
        }),
      },
      integrationId,
    );
    ({ app, base } = await startCcaiApp(world, {
      jwksFile: signer.jwksFile,
      adminToken: ADMIN_TOKEN,
      pubSubAdmin: fakeAdmin,
    }));
    await probe.start([
      `${world.kafkaNamespace}hub.conversation.events.v1`,
      `${world.kafkaNamespace}hub.assist.suggestions.v1`,
    ]);
  }, 90000);

  afterAll(async () => {
    await app?.close();
    await probe.stop();
    await prisma?.$disconnect();
    await world?.drop();
  });

  it('publishes a wrapped NEW_MESSAGE as a customer utterance before answering 200', async () => {
    const res = await push(
      wrapped(newMessage('My order never arrived, can I get a refund?'), 'msg-100'),
      await goodToken(),
    );
    expect(res).toEqual({ status: 200, body: { status: 'published', messageId: 'msg-100', events: 1 } });
    // synchronous publish (acks=-1): the event is already on Kafka when the 200 arrives
    await waitFor(() => conversationEvents().some((e) => e.causationId === 'pubsub:msg-100'), {
      what: 'utterance on Kafka',
    });
    const e = conversationEvents().find((x) => x.causationId === 'pubsub:msg-100')!;
    expect(e).toMatchObject({
      data: {
        kind: 'utterance',
        provider: 'ccai',
        interactionId: 'conv-ccai-1',
        speaker: 'customer',
        isFinal: true,
        text: 'My order never arrived, can I get a refund?',
      },
    });
  });

  it('accepts an unwrapped delivery with x-goog-pubsub-* metadata headers', async () => {
    const res = await fetch(`${base}/v1/pubsub/push`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await goodToken()}`,
        'content-type': 'application/json',
        'x-goog-pubsub-subscription-name': SUBSCRIPTION,
        'x-goog-pubsub-message-id': 'msg-101',
        'x-goog-pubsub-publish-time': '2026-11-21T10:00:01.000Z',
      },
      body: JSON.stringify({ conversation, type: 'CONVERSATION_STARTED' }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => conversationEvents().some((e) => e.causationId === 'pubsub:msg-101'), {
      what: 'lifecycle on Kafka',
    });
    expect(conversationEvents().find((e) => e.causationId === 'pubsub:msg-101')!.data).toMatchObject({
      kind: 'lifecycle',
      state: 'started',
      vendorEvent: 'CONVERSATION_STARTED',
    });
  });

  it('deduplicates by Pub/Sub message id: a redelivery is acknowledged and not published again', async () => {
    const body = wrapped(newMessage('Where is my parcel?'), 'msg-102');
    expect((await push(body, await goodToken())).body.status).toBe('published');
    const again = await push(body, await goodToken());
    expect(again).toEqual({ status: 200, body: { status: 'duplicate', messageId: 'msg-102', events: 0 } });
    await waitFor(() => conversationEvents().some((e) => e.causationId === 'pubsub:msg-102'), {
      what: 'first copy',
    });
    // a later message arriving proves the probe caught up past any second copy
    await push(wrapped(newMessage('marker'), 'msg-102-marker'), await goodToken());
    await waitFor(() => conversationEvents().some((e) => e.causationId === 'pubsub:msg-102-marker'), {
      what: 'marker',
    });
    expect(conversationEvents().filter((e) => e.causationId === 'pubsub:msg-102')).toHaveLength(1);
  });

  it('passes Agent Assist / Dialogflow suggestions through to assist.suggestions with generator "dialogflow"', async () => {
    const res = await push(
      wrapped(
        {
          conversation,
          participant: `${conversation}/participants/agent-9`,
          suggestionResults: [
            {
              suggestFaqAnswersResponse: {
                faqAnswers: [
                  {
                    answer: 'Refunds are issued within 5 business days.',
                    confidence: 0.8,
                    question: 'How long do refunds take?',
                    source: 'kb/faq/refunds',
                  },
                ],
                latestMessage: `${conversation}/messages/msg-7`,
              },
            },
            {
              suggestSmartRepliesResponse: {
                smartReplyAnswers: [{ reply: 'I can help with that.', confidence: 0.7 }],
                latestMessage: `${conversation}/messages/msg-7`,
              },
            },
          ],
        },
        'msg-103',
      ),
      await goodToken(),
    );
    expect(res.body).toMatchObject({ status: 'published', events: 2 });
    await waitFor(() => suggestions().filter((s) => s.causationId === 'pubsub:msg-103').length === 2, {
      what: '2 suggestions',
    });
    const got = suggestions().filter((s) => s.causationId === 'pubsub:msg-103');
    expect(got.map((s) => s.data.answer)).toEqual([
      'Refunds are issued within 5 business days.',
      'I can help with that.',
    ]);
    for (const s of got)
      expect(s.data).toMatchObject({
        generator: 'dialogflow',
        interactionId: 'conv-ccai-1',
        utteranceId: 'msg-7',
        suggestionId: s.id,
      });
  });

  it('answers 401 for missing, unsigned, foreign-signed, wrong-issuer and expired tokens', async () => {
    const body = wrapped(newMessage('hello'), 'msg-auth');
    const claims = { aud: AUDIENCE, email: PUSH_SA, email_verified: true };
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        ...claims,
        iss: 'https://accounts.google.com',
        exp: Math.floor(Date.now() / 1000) + 300,
        iat: Math.floor(Date.now() / 1000),
      }),
    ).toString('base64url');
    const cases: [string, string | null][] = [
      ['missing', null],
      ['unsigned', `${header}.${payload}.`],
      ['foreign key', await signer.token(claims, { key: signer.foreignKey })],
      ['wrong issuer', await signer.token(claims, { issuer: 'https://evil.example.com' })],
      ['expired', await signer.token(claims, { expiresIn: -3600 })],
    ];
    for (const [what, token] of cases) {
      const res = await push(body, token);
      expect([what, res.status]).toEqual([what, 401]);
    }
    expect(conversationEvents().some((e) => e.causationId === 'pubsub:msg-auth')).toBe(false);
  });

  it('answers 403 when a valid Google token was minted for another audience or service account', async () => {
    const body = wrapped(newMessage('hello'), 'msg-forbidden');
    const cases: [string, Record<string, unknown>][] = [
      ['wrong aud', { aud: 'https://other.example.com/push', email: PUSH_SA, email_verified: true }],
      [
        'wrong email',
        { aud: AUDIENCE, email: 'intruder@evil-prj.iam.gserviceaccount.com', email_verified: true },
      ],
      ['unverified email', { aud: AUDIENCE, email: PUSH_SA, email_verified: false }],
    ];
    for (const [what, claims] of cases) {
      const res = await push(body, await signer.token(claims));
      expect([what, res.status]).toEqual([what, 403]);
    }
  });

  it('answers 4xx for permanently bad messages (dead letter), naming the problem, and publishes nothing', async () => {
    const token = await goodToken();
    const badB64 = await push(wrapped(null, 'msg-bad-1', { rawData: '%%%not base64%%%' }), token);
    expect(badB64.status).toBe(400);
    expect(String(badB64.body.message)).toContain('message.data');
    const notJson = await push(
      wrapped(null, 'msg-bad-2', { rawData: Buffer.from('{"conversation": ').toString('base64') }),
      token,
    );
    expect(notJson.status).toBe(400);
    expect(String(notJson.body.message)).toContain('not JSON');
    const badSchema = await push(wrapped({ conversation, type: 'NEW_MESSAGE' }, 'msg-bad-3'), token);
    expect(badSchema.status).toBe(400);
    expect(String(badSchema.body.message)).toContain('newMessagePayload');
    const unknown = await push(
      wrapped(newMessage('hi'), 'msg-bad-4', { subscription: 'projects/globex-prj/subscriptions/unknown' }),
      token,
    );
    expect(unknown.status).toBe(404);
    const notPush = await push('{"hello": "world"}', token);
    expect(notPush.status).toBe(400);
    expect(String(notPush.body.message)).toContain('message');
    expect(conversationEvents().some((e) => e.causationId.startsWith('pubsub:msg-bad'))).toBe(false);
  });

  it('answers 503 when Kafka is unavailable (Pub/Sub redelivers) and publishes exactly once on redelivery', async () => {
    const messaging = app.get(MessagingService);
    await messaging.producer.disconnect();
    const body = wrapped(newMessage('Is anyone there?'), 'msg-104');
    try {
      const res = await push(body, await goodToken());
      expect(res.status).toBe(503);
    } finally {
      await messaging.producer.connect();
    }
    const retry = await push(body, await goodToken());
    expect(retry.body).toMatchObject({ status: 'published', events: 1 });
    await waitFor(() => conversationEvents().some((e) => e.causationId === 'pubsub:msg-104'), {
      what: 'redelivered message',
    });
    expect(conversationEvents().filter((e) => e.causationId === 'pubsub:msg-104')).toHaveLength(1);
  });

  it('exposes readiness and counts push requests by outcome in /metrics', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { postgres: 'up', kafka: 'up' } });
    const counter = async (outcome: string): Promise<number> => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) => l.startsWith('connector_ccai_push_requests_total{') && l.includes(`outcome="${outcome}"`),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const outcomes = ['published', 'duplicate', 'unauthorized'] as const;
    const before = Object.fromEntries(await Promise.all(outcomes.map(async (o) => [o, await counter(o)])));
    const body = wrapped(newMessage('Counting pushes'), 'msg-metrics');
    expect((await push(body, await goodToken())).body.status).toBe('published');
    expect((await push(body, await goodToken())).body.status).toBe('duplicate');
    expect((await push(body, null)).status).toBe(401);
    for (const o of outcomes) expect([o, await counter(o)]).toEqual([o, before[o] + 1]);
    const events = await (await fetch(`${base}/metrics`)).text();
    expect(events).toMatch(/connector_ccai_events_published_total\{topic="conversationEvents"[^}]*\} [1-9]/);
  });

  it('admin: creates the push subscription with the tenant credentials and the OIDC settings the endpoint verifies', async () => {
    const post = (body: unknown, auth?: string) =>
      fetch(`${base}/v1/admin/ccai/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify(body),
      });
    const body = {
      integrationId,
      topic: 'agent-assist-events',
      pushEndpoint: AUDIENCE,
      deadLetterTopic: 'projects/globex-prj/topics/assist-dlq',
      unwrapped: true,
    };
    expect((await post(body)).status).toBe(401);
    expect((await post(body, 'Bearer wrong-token-0123456789abc')).status).toBe(403);
    const bad = await post({ ...body, pushEndpoint: 'http://insecure.example.com' }, `Bearer ${ADMIN_TOKEN}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('pushEndpoint');
    const res = await post(body, `Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: SUBSCRIPTION });
    expect(adminCalls).toHaveLength(1);
    expect(adminCalls[0]).toMatchObject({
      projectId: 'globex-prj',
      subscriptionId: 'agent-assist-push',
      topic: 'agent-assist-events',
      pushEndpoint: AUDIENCE,
      oidcToken: { serviceAccountEmail: PUSH_SA, audience: AUDIENCE },
      unwrapped: true,
      deadLetterPolicy: { deadLetterTopic: 'projects/globex-prj/topics/assist-dlq', maxDeliveryAttempts: 5 },
      credentials: { client_email: PUSH_SA, type: 'service_account' },
    });
  });
});
