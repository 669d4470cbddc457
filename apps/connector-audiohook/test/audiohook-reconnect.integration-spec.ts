import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Topics } from '@hub/contracts';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { FakeGenesysClient, stereoPcmuFrames } from './support/audiohook-client';
import { seedAudioHookTenant, startAudioHook, type SeededTenant } from './support/service';
import { pcmuSilence } from './support/speech';

/**
 * AudioHook reconnection (protocol v2) for rolling updates, with two instances of the service on one
 * world: instance A shutting down sends `reconnect`; a client following the protocol opens a continuation
 * session on instance B (`continuedSessions` naming the old session) and then closes the old session with
 * reason `reconnect`. The interaction must go on: one `started`, no `ended` from the moved session (the
 * suggestion service would drop the conversation's context), `ended` only when the continuation closes.
 */
describe('connector-audiohook reconnect and continuedSessions (integration)', () => {
  let world: TestWorld;
  let a: { app: INestApplication; url: string } | undefined;
  let b: { app: INestApplication; url: string };
  let tenant: SeededTenant;
  const probe = new KafkaProbe();
  const clients: FakeGenesysClient[] = [];
  const topic = () => `${world.kafkaNamespace}${Topics.conversationEvents.name}`;
  const lifecycle = (conversationId: string) =>
    probe
      .on(topic())
      .map((m) => m.json() as { data: Record<string, unknown> })
      .filter((e) => e.data['interactionId'] === conversationId && e.data['kind'] === 'lifecycle')
      .map((e) => ({
        state: e.data['state'],
        session: (e.data['attributes'] as Record<string, unknown>)['audiohookSessionId'],
      }));
  const connect = (url: string) => {
    const c = new FakeGenesysClient({
      url,
      organizationId: tenant.organizationId,
      apiKey: tenant.apiKey,
      clientSecret: tenant.clientSecret,
    });
    clients.push(c);
    return c;
  };
  const env = {
    AUDIOHOOK_STT: 'none',
    AUDIOHOOK_CLOSE_GRACE_MS: '500',
    AUDIOHOOK_RECONNECT_WAIT_MS: '20000',
  };

  beforeAll(async () => {
    world = await createTestWorld();
    tenant = await seedAudioHookTenant(world, { tenantId: 'acme-rolling' });
    a = await startAudioHook(world, env);
    b = await startAudioHook(world, env);
    await probe.start([topic()]);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await probe.stop();
    await a?.app.close();
    await b?.app.close();
    await world?.drop();
  });

  it('refuses an open whose continuedSessions entry is malformed (disconnect, reason error)', async () => {
    const c = connect(b.url);
    await c.opened;
    c.send('open', {
      organizationId: tenant.organizationId,
      conversationId: randomUUID(),
      participant: { id: randomUUID() },
      media: [{ type: 'audio', format: 'PCMU', channels: ['external', 'internal'], rate: 8000 }],
      continuedSessions: [{ id: 'not-a-uuid', serverseq: 1, clientseq: 1 }],
    });
    const d = await c.waitType('disconnect');
    expect(d.parameters).toMatchObject({ reason: 'error' });
  });

  it('a session moved by reconnect goes on in its continuation on another instance: no ended until it closes', async () => {
    const running = a;
    if (!running) throw new Error('instance A is not running');
    const conversationId = randomUUID();
    const old = connect(running.url);
    await old.opened;
    old.open({ organizationId: tenant.organizationId, conversationId });
    await old.waitType('opened');
    for (const f of stereoPcmuFrames(pcmuSilence(600), pcmuSilence(600))) old.sendAudio(f, 1600);
    await waitFor(() => lifecycle(conversationId).some((e) => e.state === 'started') || null, {
      timeoutMs: 20_000,
      what: 'started published by instance A',
    });

    // the protocol-following client: on `reconnect`, open the continuation elsewhere, then close the old one
    let continuation: FakeGenesysClient | undefined;
    const moved = new Promise<void>((resolve, reject) => {
      old.onMessage = (m) => {
        if (m.type !== 'reconnect') return;
        const next = connect(b.url);
        continuation = next;
        void (async () => {
          await next.opened;
          next.open({
            organizationId: tenant.organizationId,
            conversationId,
            continuedSessions: [{ id: old.sessionId, ...old.sequence }],
          });
          await next.waitType('opened');
          old.send('close', { reason: 'reconnect' });
          await old.waitType('closed');
          old.close();
          resolve();
        })().catch(reject);
      };
    });
    const stopping = running.app.close(); // rolling update: instance A stops
    a = undefined;
    const reconnect = await old.waitType('reconnect');
    expect(reconnect.parameters).toMatchObject({ info: 'server shutting down' });
    await moved;
    await stopping; // A exits once its session has moved (before its 20 s reconnect wait)
    expect(old.messages.map((m) => m.type)).not.toContain('disconnect');

    const next = continuation;
    if (!next) throw new Error('no continuation session');
    for (const f of stereoPcmuFrames(pcmuSilence(600), pcmuSilence(600))) next.sendAudio(f, 1600);
    const pong = next.send('ping');
    await next.waitFor((m) => m.type === 'pong' && m.clientseq === pong['seq'], 10_000, 'pong');
    // the moved session published no `ended`, the continuation no second `started`
    expect(lifecycle(conversationId)).toEqual([{ state: 'started', session: old.sessionId }]);

    next.send('close', { reason: 'end' });
    await next.waitType('closed');
    next.close();
    const all = await waitFor(
      () => {
        const l = lifecycle(conversationId);
        return l.some((e) => e.state === 'ended') ? l : null;
      },
      { timeoutMs: 20_000, what: 'ended published when the continuation closes' },
    );
    expect(all).toEqual([
      { state: 'started', session: old.sessionId },
      { state: 'ended', session: next.sessionId },
    ]);
    const metrics = await (
      await fetch(`${b.url.replace('ws://', 'http://').split('/audiohook')[0]}/metrics`)
    ).text();
    expect(metrics).toMatch(/audiohook_flow_control_total\{type="continued"[^}]*\} 1/);
  });
});
