import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { RealtimeChannels, RealtimeKeys } from '@hub/contracts';
import { KafkaProbe, createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { Redis } from 'ioredis';
import { DeliverSuggestionUseCase } from '../src/stream/usecases/deliver-suggestion.usecase';
import { WidgetTokenService } from '../src/tokens/widget-token.service';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import {
  ACME_KEY,
  ADMIN_KEY,
  SECRET,
  SuggestionPublisher,
  connectWidget,
  mintToken,
  startGateway,
  type RunningGateway,
  type TestWidget,
} from './support/harness';

jest.setTimeout(60_000);

let world: TestWorld;
let gw: RunningGateway;
let publisher: SuggestionPublisher;
let redis: Redis;
const widgets: TestWidget[] = [];

async function widget(auth: Record<string, unknown>, url = gw.url): Promise<TestWidget> {
  const w = await connectWidget(url, auth);
  widgets.push(w);
  return w;
}

/** A widget signed in with a hub embed token for (tenant, agent, interaction). */
async function hubWidget(tenantId: string, agentId: string, interactionId: string): Promise<TestWidget> {
  return widget({ token: await mintToken(gw, { tenantId, provider: 'hub', agentId, interactionId }) });
}

async function refusal(auth: Record<string, unknown>): Promise<string | undefined> {
  try {
    const w = await connectWidget(gw.url, auth);
    w.socket.close();
    return 'connected';
  } catch (e) {
    return (e as { reason?: string }).reason;
  }
}

beforeAll(async () => {
  world = await createTestWorld();
  gw = await startGateway(world);
  publisher = new SuggestionPublisher(world);
  await publisher.connect();
  redis = new Redis(world.env['REDIS_URL']);
});

afterAll(async () => {
  for (const w of widgets) w.socket.close();
  await publisher?.close();
  await gw?.app.close();
  redis?.disconnect();
  await world?.drop();
});

describe('widget authentication', () => {
  it('refuses a connection without a token, and URL parameters alone', async () => {
    expect(await refusal({})).toBe('token_missing');
    expect(await refusal({ hints: { iid: 'int-1', aid: 'agent-7', tenant: 'acme' } })).toBe('token_missing');
    expect(await refusal({ hints: { callId: '300001', agentId: '1234' } })).toBe('token_missing');
  });

  it('refuses invalid, foreign-signed and expired tokens', async () => {
    expect(await refusal({ token: 'not-a-jwt' })).toBe('token_invalid');
    const foreign = await WidgetTokenService.create({
      EMBED_TOKEN_SECRET: 'someone-elses-secret-0123456789abcdef',
      EMBED_TOKEN_ISSUER: 'engagement-hub',
      EMBED_TOKEN_DEFAULT_TTL_S: 300,
      EMBED_TOKEN_MAX_TTL_S: 3600,
    });
    const claims = { tid: 'acme', sub: 'a1', provider: 'hub', interactionId: 'int-1', use: 'embed' } as const;
    expect(await refusal({ token: (await foreign.sign(claims, 60)).token })).toBe('token_invalid');
    const ours = await WidgetTokenService.create({ ...gw.config });
    const expired = await ours.sign(claims, 10, new Date(Date.now() - 120_000));
    expect(await refusal({ token: expired.token })).toBe('token_expired');
    // right key, but claims an 8x8 widget without the agent id
    const unbound = await new SignJWT({ tid: 'acme', provider: '8x8', use: 'embed' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('engagement-hub')
      .setAudience('assist-widget')
      .setSubject('a1')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(SECRET));
    expect(await refusal({ token: unbound })).toBe('claims_invalid');
  });

  it('refuses URL parameters that contradict the token (other tenant, agent or interaction)', async () => {
    const token = await mintToken(gw, {
      tenantId: 'acme',
      provider: '8x8',
      ctx: { aid: 'agent-7', iid: 'int-1' },
    });
    expect(await refusal({ token, hints: { tenant: 'globex' } })).toBe('url_param_mismatch');
    expect(await refusal({ token, hints: { aid: 'agent-8' } })).toBe('url_param_mismatch');
    expect(await refusal({ token, hints: { iid: 'int-2' } })).toBe('url_param_mismatch');
    expect(await refusal({ token, hints: { aid: 'agent-7', iid: 'int-1', tenant: 'acme' } })).toBe(
      'connected',
    );
  });
});

describe('embed token issuance', () => {
  const post = (body: unknown, key?: string) =>
    fetch(`${gw.url}/v1/embed-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });

  it('401 without a known key, 403 for a tenant key minting for another tenant', async () => {
    const body = { tenantId: 'globex', provider: 'hub', agentId: 'a', interactionId: 'i' };
    expect((await post(body)).status).toBe(401);
    expect((await post(body, 'x'.repeat(40))).status).toBe(401);
    expect((await post(body, ACME_KEY)).status).toBe(403);
    expect((await post({ ...body, tenantId: 'acme' }, ACME_KEY)).status).toBe(201);
  });

  it('400 naming the offending field', async () => {
    const r1 = await post({ tenantId: 'acme', provider: 'five9', ctx: { callId: '300001' } }, ADMIN_KEY);
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { message: string }).message).toContain('ctx.agentId');
    const r2 = await post(
      { tenantId: 'Acme Corp', provider: 'hub', agentId: 'a', interactionId: 'i' },
      ADMIN_KEY,
    );
    expect(((await r2.json()) as { errors: { field: string }[] }).errors[0].field).toBe('tenantId');
  });

  it('caps the lifetime at EMBED_TOKEN_MAX_TTL_S', async () => {
    const res = await post(
      { tenantId: 'acme', provider: 'hub', agentId: 'a', interactionId: 'i', ttlSeconds: 86_400 },
      ADMIN_KEY,
    );
    const { expiresAt } = (await res.json()) as { expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(
      gw.config.EMBED_TOKEN_MAX_TTL_S * 1000 + 1000,
    );
  });
});

describe('suggestion delivery', () => {
  it("an utterance's suggestion on one interaction never reaches another interaction's widget or another tenant's", async () => {
    const a = await hubWidget('acme', 'ag-a', 'int-A');
    const b = await hubWidget('acme', 'ag-b', 'int-B');
    // another tenant, same interaction id
    const c = await hubWidget('globex', 'ag-a', 'int-A');

    const forA = await publisher.publish('acme', 'int-A', 'Reset the router from the admin page.', [
      { documentId: 'kb-router-reset', title: 'Resetting your router' },
    ]);
    await waitFor(() => a.suggestions.find((s) => s.suggestionId === forA), {
      timeoutMs: 30_000,
      what: "A's suggestion",
    });
    expect(a.suggestions[0]).toMatchObject({
      tenantId: 'acme',
      interactionId: 'int-A',
      answer: 'Reset the router from the admin page.',
      sources: [{ documentId: 'kb-router-reset', title: 'Resetting your router' }],
    });

    // markers published after A's suggestion was delivered: each widget's own marker arrives after
    // anything that would have leaked to it
    const forB = await publisher.publish('acme', 'int-B', 'marker B');
    const forC = await publisher.publish('globex', 'int-A', 'marker C');
    await waitFor(() => b.suggestions.some((s) => s.suggestionId === forB), {
      timeoutMs: 30_000,
      what: "B's marker",
    });
    await waitFor(() => c.suggestions.some((s) => s.suggestionId === forC), {
      timeoutMs: 30_000,
      what: "C's marker",
    });
    expect(b.suggestions.map((s) => s.suggestionId)).toEqual([forB]);
    expect(c.suggestions.map((s) => s.suggestionId)).toEqual([forC]);
    expect(c.suggestions[0].tenantId).toBe('globex');
    expect(a.suggestions.map((s) => s.suggestionId)).toEqual([forA]);

    // a widget connecting later gets the interaction's recent suggestions, and only those
    const late = await hubWidget('acme', 'ag-a', 'int-A');
    await waitFor(() => late.snapshots.length > 0, { what: 'snapshot' });
    expect(late.snapshots[0].suggestions.map((s) => s.suggestionId)).toEqual([forA]);
  });

  it('Five9: callId/agentId claims bind the widget to the call', async () => {
    const token = await mintToken(gw, {
      tenantId: 'acme',
      provider: 'five9',
      ctx: { callId: '300000123', agentId: '4711' },
    });
    const w = await widget({ token, hints: { callId: '300000123', agentId: '4711' } });
    await waitFor(() => w.sessions.length > 0, { what: 'session' });
    expect(w.sessions[0]).toMatchObject({ tenantId: 'acme', agentId: '4711' });
    expect(w.interactions).toEqual(['300000123']);
    const id = await publisher.publish('acme', '300000123', 'Offer the loyalty discount.');
    await waitFor(() => w.suggestions.some((s) => s.suggestionId === id), {
      timeoutMs: 30_000,
      what: 'Five9 suggestion',
    });
    // the renewed session token reconnects to the same binding (what the page uses after the embed token expires)
    const again = await widget({ token: w.sessions[0].token });
    await waitFor(() => again.interactions.length > 0, { what: 'reconnected' });
    expect(again.interactions).toEqual(['300000123']);
  });

  it('8x8 aid-only widget resolves the interaction from Redis and switches when the mapping changes', async () => {
    const ns = world.redisNamespace;
    const key = ns + RealtimeKeys.eightByEightAgentInteraction('acme', 'agent-88');
    await redis.set(key, 'int-8a');
    const token = await mintToken(gw, { tenantId: 'acme', provider: '8x8', ctx: { aid: 'agent-88' } });
    const w = await widget({ token, hints: { aid: 'agent-88' } });
    await waitFor(() => w.interactions.includes('int-8a'), { what: 'first interaction' });
    const first = await publisher.publish('acme', 'int-8a', 'first interaction answer');
    await waitFor(() => w.suggestions.some((s) => s.suggestionId === first), {
      timeoutMs: 30_000,
      what: 'first suggestion',
    });

    // a suggestion for the next interaction before the agent gets it: arrives via the snapshot
    const early = await publisher.publish('acme', 'int-8b', 'waiting for you');
    await waitFor(async () => (await redis.zcard(`${ns}assist:t:acme:i:int-8b:suggestions`)) === 1, {
      timeoutMs: 30_000,
      what: 'history',
    });

    // connector-8x8: write the key, then announce on the agent channel
    await redis.set(key, 'int-8b');
    await redis.publish(
      ns + RealtimeChannels.eightByEightAgent.channel('acme', 'agent-88'),
      JSON.stringify({ agentId: 'agent-88', interactionId: 'int-8b' }),
    );
    await waitFor(() => w.interactions.at(-1) === 'int-8b', { what: 'switch to int-8b' });
    expect(w.snapshots.at(-1)).toMatchObject({
      interactionId: 'int-8b',
      suggestions: [expect.objectContaining({ suggestionId: early })],
    });

    const stale = await publisher.publish('acme', 'int-8a', 'for the old interaction');
    const next = await publisher.publish('acme', 'int-8b', 'for the new interaction');
    await waitFor(() => w.suggestions.some((s) => s.suggestionId === next), {
      timeoutMs: 30_000,
      what: 'new room suggestion',
    });
    // int-8a and int-8b have different keys (maybe partitions): wait until int-8a's was surely handled
    const probe = await hubWidget('acme', 'x', 'int-8a');
    await waitFor(() => probe.snapshots[0]?.suggestions.some((s) => s.suggestionId === stale), {
      timeoutMs: 30_000,
      what: 'old-room suggestion handled',
    });
    expect(w.suggestions.map((s) => s.suggestionId)).not.toContain(stale);

    // the agent finishes: no interaction
    await redis.del(key);
    await redis.publish(
      ns + RealtimeChannels.eightByEightAgent.channel('acme', 'agent-88'),
      JSON.stringify({ agentId: 'agent-88', interactionId: null }),
    );
    await waitFor(() => w.interactions.at(-1) === null, { what: 'no interaction' });
  });

  it('fans out across replicas: a suggestion handled by one replica reaches a widget on another', async () => {
    const gw2 = await startGateway(world);
    try {
      const w = await widget(
        {
          token: await mintToken(gw, {
            tenantId: 'acme',
            provider: 'hub',
            agentId: 'r',
            interactionId: 'int-R',
          }),
        },
        gw2.url,
      );
      await waitFor(() => w.interactions.length > 0, { what: 'bound' });
      const event = newEnvelope({
        type: 'assist.suggestion',
        version: 1,
        tenantId: 'acme',
        source: 'suggestion-service',
        correlationId: 'int-R',
        data: {
          suggestionId: '0b6d2f4e-52a5-4b8e-9a0e-9e3f5b7c1d20',
          interactionId: 'int-R',
          answer: 'cross-replica',
          sources: [],
          confidence: 0.5,
          generator: 'extractive',
          timings: { retrievalMs: 0, generationMs: 0, totalMs: 0 },
        },
      }) as TopicEvent<'assistSuggestions'>;
      // as if replica 1's consumer received it
      await gw.app.get(DeliverSuggestionUseCase).execute(event);
      await waitFor(() => w.suggestions.some((s) => s.answer === 'cross-replica'), {
        what: 'cross-replica delivery',
      });
    } finally {
      await gw2.app.close();
    }
  });

  it('dead-letters an invalid suggestion event with the reason and keeps delivering', async () => {
    const probe = new KafkaProbe();
    await probe.start([`${world.kafkaNamespace}hub.assist.suggestions.v1.dlq`]);
    try {
      const w = await hubWidget('acme', 'd', 'int-D');
      await publisher.publishRaw(
        'int-D',
        JSON.stringify({ type: 'assist.suggestion', data: { interactionId: 'int-D' } }),
      );
      const dead = await waitFor(() => probe.messages[0], { timeoutMs: 30_000, what: 'dead letter' });
      expect(dead.headers['x-dlq-reason']).toBe('schema_invalid');
      const ok = await publisher.publish('acme', 'int-D', 'after the poison message');
      await waitFor(() => w.suggestions.some((s) => s.suggestionId === ok), {
        timeoutMs: 30_000,
        what: 'next suggestion',
      });
      expect(w.suggestions).toHaveLength(1);
    } finally {
      await probe.stop();
    }
  });
});

describe('answer deltas (LLM answers while they are generated)', () => {
  it("relays an answer's deltas in order before its complete suggestion, to that tenant's interaction only; late widgets get the complete one", async () => {
    const a = await hubWidget('acme', 'ag-s', 'int-S');
    const b = await hubWidget('acme', 'ag-t', 'int-T');
    const c = await hubWidget('globex', 'ag-s', 'int-S'); // another tenant, same interaction id
    const sources = [{ documentId: 'kb-router-reset', title: 'Resetting your router' }];
    const sid = randomUUID();
    await publisher.publishDelta('acme', 'int-S', sid, 1, 'Reset the router', sources);
    await publisher.publishDelta('acme', 'int-S', sid, 2, ' from the admin', sources);
    await publisher.publishDelta('acme', 'int-S', sid, 3, ' page.', sources);
    await publisher.publish('acme', 'int-S', 'Reset the router from the admin page.', sources, {
      suggestionId: sid,
      generator: 'llm',
    });
    await waitFor(() => a.suggestions.find((s) => s.suggestionId === sid), {
      timeoutMs: 30_000,
      what: 'complete suggestion',
    });
    expect(a.stream.map((e) => e.event)).toEqual([
      'suggestion.delta',
      'suggestion.delta',
      'suggestion.delta',
      'suggestion',
    ]);
    expect(a.deltas.map((d) => d.seq)).toEqual([1, 2, 3]);
    expect(a.deltas[0]).toMatchObject({
      suggestionId: sid,
      tenantId: 'acme',
      interactionId: 'int-S',
      text: 'Reset the router',
      sources,
      confidence: 0.74,
    });
    expect(a.deltas[1].sources).toBeUndefined(); // sources travel once, with seq 1
    expect(a.deltas.map((d) => d.text).join('')).toBe(a.suggestions[0].answer);

    // markers published after the answer was delivered: each widget's own marker comes after
    // anything that would have leaked to it
    const forB = await publisher.publish('acme', 'int-T', 'marker T');
    const forC = await publisher.publish('globex', 'int-S', 'marker globex');
    await waitFor(() => b.suggestions.some((s) => s.suggestionId === forB), { timeoutMs: 30_000, what: 'T' });
    await waitFor(() => c.suggestions.some((s) => s.suggestionId === forC), { timeoutMs: 30_000, what: 'C' });
    expect(b.stream.map((e) => e.view.suggestionId)).toEqual([forB]);
    expect(c.stream.map((e) => e.view.suggestionId)).toEqual([forC]);

    // deltas are relayed, not cached: a widget joining now gets the complete suggestion only
    const late = await hubWidget('acme', 'ag-s', 'int-S');
    await waitFor(() => late.snapshots.length > 0, { what: 'snapshot' });
    expect(late.snapshots[0].suggestions).toEqual([
      expect.objectContaining({ suggestionId: sid, answer: 'Reset the router from the admin page.' }),
    ]);
  });

  it('skips stale deltas like stale suggestions', async () => {
    const w = await hubWidget('acme', 'ag-o', 'int-O');
    const old = new Date(Date.now() - gw.config.SUGGESTION_MAX_AGE_MS - 60_000).toISOString();
    await publisher.publishDelta('acme', 'int-O', randomUUID(), 1, 'replayed piece', undefined, old);
    const marker = await publisher.publish('acme', 'int-O', 'fresh');
    await waitFor(() => w.suggestions.some((s) => s.suggestionId === marker), {
      timeoutMs: 30_000,
      what: 'marker',
    });
    expect(w.deltas).toEqual([]);
  });
});
