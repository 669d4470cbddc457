/**
 * @jest-environment ../../../libs/embeddings/test/onnx-jest-environment.js
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import {
  createTestWorld,
  knowledgeJsonl,
  seedDefaultKnowledgeBase,
  startService as startChild,
  type RunningService as ChildService,
  type TestWorld,
} from '@hub/testing';
import { handoffBody, http, seedQueue, sql, startService, type RunningService } from './support/harness';

jest.setTimeout(300_000);

const A = 'esc-retrieval'; // knowledge base + rules + detectors
const B = 'esc-scope'; // scope examples (CLINC150 intents) + a routing condition on the detected intent
const SCOPE = readFileSync(join(__dirname, '../../../libs/escalation/test/fixtures/oos-scope.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { text: string; intent: string });

const turn = (text: string, role = 'user') => ({ role, text, timestamp: '2026-12-02T10:00:00Z' });

describe('POST /v1/escalation/decisions (real model, real suggestion service, real work-item router)', () => {
  let world: TestWorld;
  let svc: RunningService;
  let suggestion: ChildService;
  let router: ChildService;
  let kb: string;
  let queue: string;

  const decide = (tenant: string, body: Record<string, unknown>) =>
    http(svc.url, 'POST', '/v1/escalation/decisions', {
      tenant,
      body: { conversationId: `conv-${randomUUID().slice(0, 8)}`, ...body },
    });

  beforeAll(async () => {
    world = await createTestWorld();
    suggestion = await startChild('suggestion-service', world.env);
    router = await startChild('work-item-router', world.env);
    svc = await startService(world, {
      ESCALATION_SUGGESTION_URL: suggestion.url,
      ESCALATION_ROUTER_URL: router.url,
      ESCALATION_ROUTER_TIMEOUT_MS: '10000',
      ESCALATION_RETRIEVAL_TIMEOUT_MS: '10000',
      ESCALATION_SCOPE_TRAINING_WAIT_MS: '240000',
      ESCALATION_PRELOAD_MODELS: 'true',
    });
    kb = await seedDefaultKnowledgeBase(
      suggestion.url,
      A,
      'Guest houses',
      knowledgeJsonl(['A AND B GUEST HOUSE']),
    );
    // The router owns tenants' queues and agents: set them up through its API (each tenant gets a "Default").
    for (const t of [A, B]) {
      const created = await http(router.url, 'POST', '/v1/tenants', {
        admin: true,
        body: { id: t, name: t },
      });
      expect(created.status).toBe(201);
    }
    const q = await http(router.url, 'POST', '/v1/queues', { tenant: A, body: { name: 'Licensed agents' } });
    expect(q.status).toBe(201);
    queue = q.body.id;
  });

  afterAll(async () => {
    await svc?.close();
    await suggestion?.stop();
    await router?.stop();
    await world?.drop();
  });

  it('configuration: 400 naming the field; stored per tenant with a revision', async () => {
    const bad = await http(svc.url, 'PUT', '/v1/escalation/config', {
      tenant: A,
      body: {
        rules: [
          {
            id: 'night',
            kind: 'condition',
            path: 'callback',
            when: { time: { timeZone: 'Europe/Paris', from: '18:00', to: '8am' } },
          },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['rules.0.when.time.to']);
    const put = await http(svc.url, 'PUT', '/v1/escalation/config', {
      tenant: A,
      body: {
        retrieval: { knowledgeBaseId: kb },
        rules: [
          {
            id: 'fraud',
            kind: 'keyword',
            category: 'fraud',
            keywords: ['fraud', 'stolen card'],
            path: 'live_agent',
          },
          { id: 'refund', kind: 'keyword', keywords: ['refund'], path: 'form' },
        ],
        paths: { live_agent: { queueId: queue } },
      },
    });
    expect(put.status).toBe(200);
    expect(put.body.revision).toBe(1);
    const got = await http(svc.url, 'GET', '/v1/escalation/config', { tenant: A });
    expect(got.body.config.rules.map((r: { id: string }) => r.id)).toEqual(['fraud', 'refund']);
    expect(got.body.config.templates.handoffMessage).toMatch(/\{\{intent\}\}/);
    // another tenant still has the defaults
    expect((await http(svc.url, 'GET', '/v1/escalation/config', { tenant: B })).body.revision).toBe(0);
  });

  it('retrieval confidence from the suggestion service’s own search of the tenant’s knowledge base', async () => {
    const answered = await decide(A, { transcript: [turn('Can I bring my pet to A and B Guest House?')] });
    expect(answered.status).toBe(201);
    expect(answered.body.unavailableSignals).toEqual([]);
    expect(answered.body.reasons).toEqual([]);
    expect(answered.body.escalate).toBe(false);

    // (the suggestion service's confidence rates how well the best chunk covers the query's matching terms, so
    // only a question sharing no term with the knowledge base scores low: docs/escalation-policy.md)
    const unknown = await decide(A, { transcript: [turn('how do i reset my router password')] });
    expect(unknown.body.escalate).toBe(true);
    const r = unknown.body.reasons.find((x: { signal: string }) => x.signal === 'retrieval');
    expect(r.threshold).toBe(0.3); // the suggestion service's ASSIST_RETRIEVAL_CONFIDENCE_THRESHOLD
    expect(r.score).toBeLessThan(0.3);
    expect(unknown.body.decidedBy).toBe('model');
  });

  it('the bot’s own retrieval result is used instead of the search; 400 when it has no threshold anywhere', async () => {
    const own = await decide(A, {
      transcript: [turn('What does a flight to the moon cost in winter?')],
      retrieval: { chunks: [{ id: 'faq-7', score: 0.82 }, { score: 0.4 }], threshold: 0.5 },
    });
    expect(own.body.reasons).toEqual([]);
    const low = await decide(A, {
      transcript: [turn('What does a flight to the moon cost in winter?')],
      retrieval: { score: 0.2, threshold: 0.5 },
    });
    expect(low.body.reasons).toEqual([{ signal: 'retrieval', score: 0.2, threshold: 0.5 }]);
    const noThreshold = await decide(A, { transcript: [turn('hello')], retrieval: { score: 0.2 } });
    expect(noThreshold.status).toBe(400);
    expect(noThreshold.body.errors[0].field).toBe('retrieval.threshold');
  });

  it('intent detectors on real utterances: asking for a human fires with score and threshold', async () => {
    const res = await decide(A, {
      transcript: [
        turn('Can I bring my pet to A and B Guest House?'),
        turn('ok', 'bot'),
        turn('i want to talk to a real person, not a bot'),
      ],
    });
    expect(res.status).toBe(201);
    const model = res.body.reasons.find((x: { signal: string }) => x.signal === 'model');
    expect(model.class).toBe('human_request');
    expect(model.score).toBeGreaterThanOrEqual(model.threshold);
    expect(res.body.intent).toBeNull();
    expect(res.body.handoffMessage).toBe(
      'I\'m taking over for the assistant — I see you asked: "i want to talk to a real person, not a bot". Let me help.',
    );
  });

  it('a regulated rule wins over the model and forces its path', async () => {
    const res = await decide(A, {
      transcript: [turn('Someone used my stolen card, this is fraud. I need a refund now!')],
    });
    expect(res.body.decidedBy).toBe('regulated_rule');
    expect(res.body.forcedPath).toBe('live_agent');
    expect(res.body.reasons.slice(0, 2)).toEqual([
      { signal: 'rule', ruleId: 'fraud', category: 'fraud', path: 'live_agent', evidence: 'keyword "fraud"' },
      { signal: 'rule', ruleId: 'refund', category: 'general', path: 'form', evidence: 'keyword "refund"' },
    ]);
    // forced, but nobody is online in the queue yet: the fall-through target (callback) comes first, then the
    // forced live agent (first once an agent is free: the availability test below)
    expect(res.body.fallthrough).toMatchObject({ reason: 'no_agent_online', to: 'callback' });
    expect(res.body.recommendedPaths.map((p: { path: string }) => p.path)).toEqual([
      'callback',
      'live_agent',
      'form',
    ]);
    expect(res.body.recommendedPaths[1]).toMatchObject({
      path: 'live_agent',
      forced: true,
      tool: 'transfer_to_human',
    });
  });

  it('live agent availability comes from the router: no agent online, at capacity, estimated wait, outside hours, fallthrough', async () => {
    const decideHuman = async () => {
      const res = await decide(A, { transcript: [turn('I want to speak to a human agent')] });
      expect(res.status).toBe(201);
      const live = res.body.recommendedPaths.find((p: { path: string }) => p.path === 'live_agent');
      return { body: res.body, live, order: res.body.recommendedPaths.map((p: { path: string }) => p.path) };
    };
    const routerCall = async (method: string, path: string, body?: unknown) => {
      const r = await http(router.url, method, path, { tenant: A, body });
      expect([method, path, r.status]).toEqual([method, path, 200 + (method === 'POST' ? 1 : 0)]);
      return r.body;
    };

    // nobody online in the queue: live unavailable, the tenant's fallthrough (default callback, form) comes first
    let d = await decideHuman();
    expect(d.live).toMatchObject({
      available: false,
      unavailableReason: 'no_agent_online',
      checked: true,
      detail: { queueId: queue, agentsOnline: 0, openNow: true },
    });
    expect(d.body.fallthrough).toEqual({
      from: 'live_agent',
      reason: 'no_agent_online',
      to: 'callback',
      nextOpening: null,
    });
    expect(d.order).toEqual(['callback', 'form', 'live_agent']);

    // online but no free chat slot
    await routerCall('POST', '/v1/agents', {
      id: 'ann',
      displayName: 'Ann',
      queueIds: [queue],
      capacity: { chat: 0, call: 1 },
    });
    await routerCall('PUT', '/v1/agents/ann/presence', { presence: 'online' });
    d = await decideHuman();
    expect(d.live).toMatchObject({
      available: false,
      unavailableReason: 'at_capacity',
      detail: { agentsOnline: 1, freeCapacity: 0 },
    });
    expect(d.body.fallthrough).toMatchObject({ reason: 'at_capacity', to: 'callback' });

    // a free slot: available, no fallthrough, seed order; no recent pickups → no estimated wait
    await routerCall('PATCH', '/v1/agents/ann', { capacity: { chat: 1, call: 1 } });
    d = await decideHuman();
    expect(d.live).toMatchObject({
      available: true,
      unavailableReason: null,
      detail: { freeCapacity: 1, estimatedWaitMs: null },
    });
    expect(d.live.message).toBeUndefined();
    expect(d.body.fallthrough).toBeNull();
    expect(d.order).toEqual(['form', 'live_agent', 'callback']);
    const forced = await decide(A, { transcript: [turn('Someone used my stolen card, this is fraud.')] });
    expect(forced.body.fallthrough).toBeNull();
    expect(forced.body.recommendedPaths.map((p: { path: string }) => p.path)).toEqual([
      'live_agent',
      'form',
      'callback',
    ]);

    // the queue's recent time to pickup (a chat picked up after six minutes, as the router recorded it)
    await sql(
      world,
      `INSERT INTO work_items (id, tenant_id, conversation_id, type, status, queue_id, channel, summary_source,
                               sentiment_source, enqueued_at, assigned_at, completed_at)
       VALUES ($1, $2, 'conv-picked', 'chat', 'completed', $3, 'web', 'none', 'none',
               now() - interval '8 minutes', now() - interval '2 minutes', now() - interval '1 minute')`,
      [randomUUID(), A, queue],
    );
    d = await decideHuman();
    expect(d.live).toMatchObject({
      available: true,
      message: 'The average wait is six minutes.',
      detail: { estimatedWaitMs: 360_000, estimatedWait: 'six minutes' },
    });

    // outside the queue's business hours (closed today in Kolkata, open tomorrow 09:00): next opening reported
    const today = DateTime.now().setZone('Asia/Kolkata').startOf('day');
    await routerCall('PUT', `/v1/queues/${queue}/business-hours`, {
      timeZone: 'Asia/Kolkata',
      weekly: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '09:00', end: '17:00' })),
      overrides: [{ date: today.toISODate(), closed: true }],
    });
    const nextOpening = today.plus({ days: 1, hours: 9 }).toISO();
    d = await decideHuman();
    expect(d.live).toMatchObject({
      available: false,
      unavailableReason: 'outside_hours',
      detail: { openNow: false, nextOpening },
    });
    expect(d.body.fallthrough).toEqual({
      from: 'live_agent',
      reason: 'outside_hours',
      to: 'callback',
      nextOpening,
    });

    // the tenant's fallthrough order says form first
    const config = (await http(svc.url, 'GET', '/v1/escalation/config', { tenant: A })).body.config;
    const put = await http(svc.url, 'PUT', '/v1/escalation/config', {
      tenant: A,
      body: { ...config, fallthrough: ['form', 'callback'] },
    });
    expect(put.status).toBe(200);
    d = await decideHuman();
    expect(d.body.fallthrough).toMatchObject({ reason: 'outside_hours', to: 'form' });
    expect(d.order).toEqual(['form', 'live_agent', 'callback']);
    const badOrder = await http(svc.url, 'PUT', '/v1/escalation/config', {
      tenant: A,
      body: { ...config, fallthrough: ['live_agent'] },
    });
    expect(badOrder.status).toBe(400);
    expect(badOrder.body.errors.map((e: { field: string }) => e.field)).toEqual(['fallthrough.0']);

    // back to open hours and the default order for the tests below
    await routerCall('DELETE', `/v1/queues/${queue}/business-hours`);
    await http(svc.url, 'PUT', '/v1/escalation/config', { tenant: A, body: config });
    // form and callback: enabled by the tenant, not checked
    d = await decideHuman();
    expect(d.live.available).toBe(true);
    expect(d.body.recommendedPaths.find((p: { path: string }) => p.path === 'callback')).toMatchObject({
      available: true,
      checked: false,
    });
  });

  it('a platform admin acting for the tenant (X-Tenant-Id) gets the same signals and availability', async () => {
    // the orchestrator forwards the caller's tenant with its credential: a platform-admin key names the tenant
    // only by the header, so without it the router and the suggestion service would refuse (400)
    const res = await http(svc.url, 'POST', '/v1/escalation/decisions', {
      admin: true,
      headers: { 'x-tenant-id': A },
      body: {
        conversationId: `conv-${randomUUID().slice(0, 8)}`,
        transcript: [turn('how do i reset my router password? I want to speak to a human agent')],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.unavailableSignals).toEqual([]);
    expect(res.body.reasons.find((x: { signal: string }) => x.signal === 'retrieval')).toMatchObject({
      threshold: 0.3,
    });
    expect(res.body.recommendedPaths.find((p: { path: string }) => p.path === 'live_agent')).toMatchObject({
      available: true,
      checked: true,
      detail: { queueId: queue },
    });
  });

  it('bad input is a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ transcript: [] }, 'transcript'],
      [{ transcript: [turn('Hello, how can I help?', 'bot')] }, 'transcript'],
      [{ transcript: [turn('hi')], channel: 'fax' }, 'channel'],
      [{ transcript: [turn('hi')], retrieval: { chunks: [{ score: 'high' }] } }, 'retrieval.chunks.0.score'],
      [{ transcript: [turn('hi')], queueId: 'support' }, 'queueId'],
    ];
    for (const [body, field] of cases) {
      const res = await decide(A, body);
      expect([field, res.status]).toEqual([field, 400]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const noConversation = await http(svc.url, 'POST', '/v1/escalation/decisions', {
      tenant: A,
      body: { transcript: [turn('hi')] },
    });
    expect(noConversation.body.errors[0].field).toBe('conversationId');
  });

  it('a search that fails is reported as an unavailable signal, and the decision is still made', async () => {
    const res = await decide(A, {
      transcript: [turn('i want to talk to a real person')],
      knowledgeBaseId: randomUUID(),
    });
    expect(res.status).toBe(201);
    expect(res.body.unavailableSignals).toEqual([
      { signal: 'retrieval', code: 'http_404', message: 'suggestion service answered 404' },
    ]);
    expect(res.body.escalate).toBe(true);
  });

  describe('scope, detected intent and transfer_to_human', () => {
    let integration: string;
    beforeAll(async () => {
      const put = await http(svc.url, 'PUT', '/v1/escalation/config', {
        tenant: B,
        body: {
          scope: { examples: SCOPE },
          rules: [
            { id: 'hotel-desk', kind: 'condition', when: { intents: ['book_hotel'] }, path: 'live_agent' },
          ],
          templates: { intentLabels: { book_hotel: 'book a hotel' } },
          paths: { callback: { enabled: false } },
        },
      });
      expect(put.status).toBe(200);
      const q = await seedQueue(world, B, 'Hotels');
      integration = (
        await http(svc.url, 'POST', '/v1/integrations', {
          tenant: B,
          body: { type: 'internal', name: 'Bot', config: { defaultQueueId: q } },
        })
      ).body.id;
    });

    it('out of scope relative to the tenant’s examples, with score, threshold and similarity', async () => {
      const res = await decide(B, { transcript: [turn('how do i find the area of a circle')] });
      expect(res.body.escalate).toBe(true);
      const oos = res.body.reasons.find((x: { signal: string }) => x.signal === 'out_of_scope');
      expect(oos).toBeDefined();
      expect(oos.score < oos.threshold || oos.similarity < oos.similarityThreshold).toBe(true);
      expect(res.body.intent).toBeNull();
    });

    it('the detected intent drives a routing condition, the handoff message and the handoff’s intent', async () => {
      const d = await decide(B, {
        transcript: [turn('is it possible for you to book me a hotel in paris from friday to sunday')],
      });
      expect(d.status).toBe(201);
      expect(d.body).toMatchObject({
        intent: 'book_hotel',
        intentSource: 'detected',
        escalate: true,
        decidedBy: 'rule',
        forcedPath: 'live_agent',
        handoffMessage: "I'm taking over for the assistant — I see you're trying to book a hotel.",
      });
      expect(d.body.reasons[0]).toMatchObject({
        signal: 'rule',
        ruleId: 'hotel-desk',
        evidence: 'intent=book_hotel',
      });
      // nobody online in B's default queue: the forced live agent falls through to the form (callback is off)
      expect(d.body.fallthrough).toMatchObject({ from: 'live_agent', reason: 'no_agent_online', to: 'form' });
      expect(d.body.recommendedPaths.map((p: { path: string }) => p.path)).toEqual([
        'form',
        'live_agent',
        'callback',
      ]);
      expect(d.body.recommendedPaths[2]).toMatchObject({
        available: false,
        unavailableReason: 'disabled_by_tenant',
      });

      // transfer_to_human = the handoff with decisionId: the detected intent fills the bot's missing intent
      const { intent: _omit, ...body } = handoffBody(integration, { decisionId: d.body.decisionId });
      const h = await http(svc.url, 'POST', '/v1/handoffs', { tenant: B, body });
      expect(h.status).toBe(201);
      expect(h.body).toMatchObject({ intent: 'book_hotel', escalationReason: 'rule:hotel-desk' });
      const stored = await http(svc.url, 'GET', `/v1/escalation/decisions/${d.body.decisionId}`, {
        tenant: B,
      });
      expect(stored.body).toMatchObject({
        handoffId: h.body.id,
        pathPicked: 'live_agent',
        pathsOffered: ['form'], // no agent online in B: the live agent is recommended but not offered
        primaryReason: 'rule:hotel-desk',
      });
      expect(stored.body.reasons).toEqual(d.body.reasons);
      // the bot's own intent is kept
      const own = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: B,
        body: handoffBody(integration, { decisionId: d.body.decisionId, intent: 'vip_booking' }),
      });
      expect(own.body.intent).toBe('vip_booking');
      // a decision of another tenant (or none) is refused
      const integrationA = await http(svc.url, 'POST', '/v1/integrations', {
        tenant: A,
        body: { type: 'internal', name: 'Bot A', config: { defaultQueueId: queue } },
      });
      const foreign = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: A,
        body: handoffBody(integrationA.body.id, { decisionId: d.body.decisionId }),
      });
      expect(foreign.status).toBe(422);
      expect(foreign.body.errors[0].field).toBe('decisionId');
      const unknown = await http(svc.url, 'POST', '/v1/handoffs', {
        tenant: B,
        body: handoffBody(integration, { decisionId: randomUUID() }),
      });
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors[0].field).toBe('decisionId');
    });

    it('the follow-up records the picked path and a callback; 400 naming the field', async () => {
      const d = await decide(B, { transcript: [turn('how do i find the area of a circle')] });
      const due = '2026-12-03T14:00:00.000Z';
      const res = await http(svc.url, 'PATCH', `/v1/escalation/decisions/${d.body.decisionId}`, {
        tenant: B,
        body: { pathPicked: 'callback', callbackDueAt: due },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ pathPicked: 'callback', callbackDueAt: due, callbackOutcome: null });
      const bad = await http(svc.url, 'PATCH', `/v1/escalation/decisions/${d.body.decisionId}`, {
        tenant: B,
        body: { callbackOutcome: 'done' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].field).toBe('callbackOutcome');
      const other = await http(svc.url, 'PATCH', `/v1/escalation/decisions/${d.body.decisionId}`, {
        tenant: A,
        body: { pathPicked: 'form' },
      });
      expect(other.status).toBe(404);
    });

    it('the tool manifest is per tenant (callback disabled → no callback tools)', async () => {
      const b = await http(svc.url, 'GET', '/v1/escalation/tools', { tenant: B });
      expect(b.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
        'send_secure_form',
        'transfer_to_human',
      ]);
      const a = await http(svc.url, 'GET', '/v1/escalation/tools', { tenant: A });
      expect(a.body.tools).toHaveLength(4);
      expect(a.body.guardrailPrompt).toMatch(/do NOT guess or invent a policy/);
    });
  });
});
