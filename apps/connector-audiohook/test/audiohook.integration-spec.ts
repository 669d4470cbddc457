import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Topics } from '@hub/contracts';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { FakeGenesysClient } from './support/audiohook-client';
import { seedAudioHookTenant, startAudioHook, type SeededTenant } from './support/service';

/**
 * AudioHook protocol against the running service (real WebSocket, PostgreSQL, Redis, Kafka), with
 * a fake Genesys client speaking the documented wire format. Speech to text is off here
 * (AUDIOHOOK_STT=none); see audiohook-speech.integration-spec.ts for real speech.
 */
describe('connector-audiohook protocol (integration)', () => {
  const AUTH_DELAY_MS = 400;
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  let signed: SeededTenant;
  let unsigned: SeededTenant;
  const probe = new KafkaProbe();
  const clients: FakeGenesysClient[] = [];

  const connect = (
    t: SeededTenant,
    over: Partial<ConstructorParameters<typeof FakeGenesysClient>[0]> = {},
  ) => {
    const c = new FakeGenesysClient({
      url,
      organizationId: t.organizationId,
      apiKey: t.apiKey,
      clientSecret: t.clientSecret,
      ...over,
    });
    clients.push(c);
    return c;
  };
  const events = () =>
    probe
      .on(`${world.kafkaNamespace}${Topics.conversationEvents.name}`)
      .map((m) => m.json() as { tenantId: string; data: Record<string, unknown> });

  beforeAll(async () => {
    world = await createTestWorld();
    signed = await seedAudioHookTenant(world, { tenantId: 'acme-voice' });
    unsigned = await seedAudioHookTenant(world, { tenantId: 'beta-voice', signed: false });
    ({ app, url } = await startAudioHook(world, {
      AUDIOHOOK_STT: 'none',
      AUDIOHOOK_AUTH_FAILURE_DELAY_MS: String(AUTH_DELAY_MS),
      AUDIOHOOK_CLOSE_GRACE_MS: '300',
      AUDIOHOOK_RECONNECT_WAIT_MS: '1500',
    }));
    await probe.start([`${world.kafkaNamespace}${Topics.conversationEvents.name}`]);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await probe.stop();
    await app?.close();
    await world?.drop();
  });

  it('answers open with exactly one medium, ping with pong, close with closed; publishes lifecycle events', async () => {
    const c = connect(signed);
    await c.opened;
    const conversationId = randomUUID();
    c.open({ organizationId: signed.organizationId, conversationId });
    const opened = await c.waitType('opened', 5000);
    expect(opened).toMatchObject({
      version: '2',
      id: c.sessionId,
      seq: 1,
      clientseq: 1,
      parameters: {
        startPaused: false,
        media: [{ type: 'audio', format: 'PCMU', channels: ['external', 'internal'], rate: 8000 }],
      },
    });
    expect((opened.parameters.media as unknown[]).length).toBe(1);
    expect(opened.parameters).not.toHaveProperty('supportedLanguages'); // not asked for

    const sentAt = Date.now();
    c.send('ping', {});
    const pong = await c.waitType('pong', 5000);
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(pong).toMatchObject({ seq: 2, clientseq: 2, parameters: {} });

    c.send('update', { language: 'en-GB' });
    expect(await c.waitType('updated')).toMatchObject({ seq: 3, clientseq: 3 });

    c.send('close', { reason: 'end' });
    expect(await c.waitType('closed')).toMatchObject({ seq: 4, clientseq: 4, parameters: {} });
    c.close();

    const lifecycle = await waitFor(
      () => {
        const mine = events().filter((e) => e.data.interactionId === conversationId);
        return mine.length >= 2 ? mine : null;
      },
      { timeoutMs: 20_000, what: 'lifecycle events' },
    );
    expect(lifecycle.map((e) => e.data.state)).toEqual(['started', 'ended']);
    expect(lifecycle[0]).toMatchObject({
      tenantId: 'acme-voice',
      data: { kind: 'lifecycle', provider: 'genesys', vendorEvent: 'audiohook.open' },
    });
  });

  it('selects L16 when that is the only supported offer, and accepts an API-key-only tenant', async () => {
    const c = connect(unsigned);
    await c.opened;
    c.open({
      organizationId: unsigned.organizationId,
      conversationId: randomUUID(),
      media: [
        { type: 'audio', format: 'OPUS', channels: ['external', 'internal'], rate: 48000 },
        { type: 'audio', format: 'L16', channels: ['internal'], rate: 8000 },
      ],
    });
    const opened = await c.waitType('opened', 5000);
    expect(opened.parameters.media).toEqual([
      { type: 'audio', format: 'L16', channels: ['internal'], rate: 8000 },
    ]);
    c.sendAudio(new Uint8Array(3200), 1600);
    c.send('close', { reason: 'end' });
    await c.waitType('closed');
  });

  it('answers a connection probe (nil conversation id) and closes it cleanly without events', async () => {
    const c = connect(signed);
    await c.opened;
    c.open({
      organizationId: signed.organizationId,
      conversationId: '00000000-0000-0000-0000-000000000000',
      supportedLanguages: true,
    });
    const opened = await c.waitType('opened', 5000);
    expect((opened.parameters.media as unknown[]).length).toBe(1);
    // speech to text is off in this spec (AUDIOHOOK_STT=none): no language is transcribed
    expect(opened.parameters.supportedLanguages).toEqual([]);
    c.send('close', { reason: 'end' });
    await c.waitType('closed');
    c.close();
    await c.closedPromise;
    // (events of earlier tests' sessions may still be arriving: only the probe's interaction id counts)
    await new Promise((r) => setTimeout(r, 500));
    expect(
      events().filter((e) => e.data.interactionId === '00000000-0000-0000-0000-000000000000'),
    ).toHaveLength(0);
  });

  it('treats a sequence gap as a protocol error: disconnect (error), then the socket is closed', async () => {
    const c = connect(signed);
    await c.opened;
    c.open({ organizationId: signed.organizationId, conversationId: randomUUID() });
    await c.waitType('opened', 5000);
    c.send('ping', {}, 5); // expected seq 2
    const d = await c.waitType('disconnect');
    expect(d.parameters).toMatchObject({ reason: 'error' });
    expect(String(d.parameters.info)).toMatch(/seq/);
    expect(d.clientseq).toBe(1); // the last in-sequence message
    await c.closedPromise; // server drops the socket after the grace period
  });

  it('treats audio before opened as a protocol error', async () => {
    const c = connect(signed);
    await c.opened;
    c.sendAudio(new Uint8Array(3200), 1600);
    const d = await c.waitType('disconnect');
    expect(d.parameters).toMatchObject({ reason: 'error' });
  });

  it('handles paused and resumed from the client and keeps answering pings', async () => {
    const c = connect(signed);
    await c.opened;
    c.open({ organizationId: signed.organizationId, conversationId: randomUUID() });
    await c.waitType('opened', 5000);
    c.sendAudio(new Uint8Array(3200).fill(0xff), 1600);
    c.send('paused', {});
    c.send('resumed', { start: 'PT0.2S', discarded: 'PT1.5S' });
    c.sendAudio(new Uint8Array(3200).fill(0xff), 1600);
    c.send('discarded', { start: 'PT0.4S', discarded: 'PT0.2S' });
    c.send('ping', { rtt: 'PT0.012S' });
    const pong = await c.waitType('pong');
    expect(pong.clientseq).toBe(5);
    expect(c.messages.some((m) => m.type === 'disconnect')).toBe(false);
    c.send('close', { reason: 'end' });
    await c.waitType('closed');
  });

  it("counts a client 'error' and keeps the session: pings answered, then the client's close", async () => {
    const c = connect(signed);
    await c.opened;
    c.open({ organizationId: signed.organizationId, conversationId: randomUUID() });
    await c.waitType('opened', 5000);
    c.send('error', { code: 429, message: 'Too many messages', retryAfter: 'PT0.5S' });
    c.send('ping', {});
    expect((await c.waitType('pong')).clientseq).toBe(3);
    expect(c.messages.some((m) => m.type === 'disconnect')).toBe(false);
    c.send('close', { reason: 'error' });
    expect(await c.waitType('closed')).toMatchObject({ clientseq: 4 });
  });

  describe('authentication', () => {
    const expectUnauthorized = async (c: FakeGenesysClient, startedAt: number) => {
      await c.opened;
      c.open({ organizationId: signed.organizationId, conversationId: randomUUID() });
      const d = await c.waitType('disconnect', 10_000);
      expect(d.parameters).toMatchObject({ reason: 'unauthorized' });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(AUTH_DELAY_MS - 5);
      expect(c.messages.some((m) => m.type === 'opened')).toBe(false);
      c.send('close', { reason: 'end' });
      await c.waitType('closed');
    };

    it('refuses a wrong API key', async () => {
      const t0 = Date.now();
      await expectUnauthorized(connect({ ...signed, apiKey: 'not-a-key-000' }), t0);
    });

    it('refuses a signature made with another secret', async () => {
      const t0 = Date.now();
      await expectUnauthorized(connect(signed, { clientSecret: randomBytes(32).toString('base64') }), t0);
    });

    it('refuses an expired signature', async () => {
      const t0 = Date.now();
      const old = Math.floor(Date.now() / 1000) - 600;
      await expectUnauthorized(connect(signed, { createdSec: old, lifetimeSec: 60 }), t0);
    });

    it('refuses a missing signature when the tenant has a client secret', async () => {
      const t0 = Date.now();
      await expectUnauthorized(connect(signed, { clientSecret: undefined }), t0);
    });

    it('refuses a replayed nonce', async () => {
      const nonce = randomBytes(18).toString('base64url');
      const first = connect(signed, { nonce });
      await first.opened;
      first.open({ organizationId: signed.organizationId, conversationId: randomUUID() });
      await first.waitType('opened', 5000);
      const t0 = Date.now();
      await expectUnauthorized(connect(signed, { nonce }), t0);
      first.send('close', { reason: 'end' });
      await first.waitType('closed');
    });

    it('refuses an open whose organization differs from the signed header', async () => {
      const c = connect(signed);
      await c.opened;
      c.open({ organizationId: randomUUID(), conversationId: randomUUID() });
      expect((await c.waitType('disconnect')).parameters).toMatchObject({ reason: 'unauthorized' });
    });
  });

  it('exposes health and AudioHook metrics', async () => {
    const base = url.replace('ws://', 'http://').replace(/\/audiohook\/ws$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { redis: 'up', kafka: 'up', postgres: 'up' },
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/audiohook_auth_failures_total\{reason="unknown_api_key"/);
    expect(metrics).toMatch(/audiohook_ping_handling_seconds_count\S* [1-9]/);
    expect(metrics).toMatch(/audiohook_client_errors_total\{code="429"[^}]*\} 1\n/);
  });

  // last: closes the app
  it('on shutdown asks open sessions to reconnect; one that does not move gets disconnect, its close answered; exits', async () => {
    const c = connect(signed);
    await c.opened;
    const conversationId = randomUUID();
    c.open({ organizationId: signed.organizationId, conversationId });
    await c.waitType('opened', 5000);
    c.onMessage = (m) => {
      if (m.type === 'disconnect') c.send('close', { reason: 'disconnect' });
    };
    const closing = app.close();
    await c.waitType('reconnect'); // ignored by this client: it stays until AUDIOHOOK_RECONNECT_WAIT_MS
    const d = await c.waitType('disconnect');
    expect(d.parameters).toMatchObject({ reason: 'completed' });
    await c.waitType('closed');
    c.close();
    await closing;
    app = undefined as unknown as INestApplication;
    await waitFor(
      () => events().some((e) => e.data.interactionId === conversationId && e.data.state === 'ended'),
      {
        timeoutMs: 20_000,
        what: 'ended lifecycle event published during shutdown',
      },
    );
  });
});
