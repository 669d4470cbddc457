import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Topics } from '@hub/contracts';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { FakeGenesysClient, stereoPcmuFrames, type ServerMsg } from './support/audiohook-client';
import { seedAudioHookTenant, startAudioHook, type SeededTenant } from './support/service';
import { pcmuSilence, synthesizePcmu } from './support/speech';

/**
 * Server flow control with a saturated speech-to-text engine (POCKETSPHINX_MAX_STREAMS=1, real
 * PocketSphinx, real WebSocket/PostgreSQL/Redis/Kafka): a session that cannot get a recognizer gets
 * `pause`; when the running session ends, the OLDEST paused one gets `resume`, answers `resumed`
 * with the discarded duration, and its speech is then transcribed at the right stream position.
 */
describe('connector-audiohook pause/resume when speech to text is saturated (integration)', () => {
  let world: TestWorld;
  let app: INestApplication | undefined;
  let url: string;
  let base: string;
  let tenant: SeededTenant;
  const probe = new KafkaProbe();
  const clients: FakeGenesysClient[] = [];
  const topic = () => `${world.kafkaNamespace}${Topics.conversationEvents.name}`;

  const openSession = async (conversationId: string): Promise<[FakeGenesysClient, ServerMsg]> => {
    const c = new FakeGenesysClient({
      url,
      organizationId: tenant.organizationId,
      apiKey: tenant.apiKey,
      clientSecret: tenant.clientSecret,
    });
    clients.push(c);
    await c.opened;
    c.open({ organizationId: tenant.organizationId, conversationId });
    return [c, await c.waitType('opened', 5000)];
  };
  const metric = async (prefix: string): Promise<number> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(prefix));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const hasType = (c: FakeGenesysClient, type: string) => c.messages.some((m) => m.type === type);

  beforeAll(async () => {
    world = await createTestWorld();
    tenant = await seedAudioHookTenant(world, { tenantId: 'acme-flow' });
    ({ app, url } = await startAudioHook(world, { AUDIOHOOK_STT: 'tenant', POCKETSPHINX_MAX_STREAMS: '1' }));
    base = url.replace('ws://', 'http://').replace(/\/audiohook\/ws$/, '');
    await probe.start([topic()]);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await probe.stop();
    await app?.close();
    await world?.drop();
  });

  it('pauses sessions without a recognizer, resumes the oldest when one frees up, then transcribes its speech', async () => {
    // A takes the only recognizer
    const [a] = await openSession(randomUUID());
    // B and C find none: opened, then pause (server seq 2, echoing the client's open)
    const convB = randomUUID();
    const [b, openedB] = await openSession(convB);
    expect(openedB.parameters).toMatchObject({ startPaused: false });
    expect(await b.waitType('pause', 5000)).toMatchObject({
      version: '2',
      id: b.sessionId,
      seq: 2,
      clientseq: 1,
      parameters: {},
    });
    const [c] = await openSession(randomUUID());
    await c.waitType('pause', 5000);
    expect(hasType(a, 'pause')).toBe(false);
    expect(await metric('audiohook_stt_waiting_sessions{provider="pocketsphinx"')).toBe(2);

    // Genesys answers with `paused` and stops sending audio; its stream clock runs on (2 s discarded)
    b.send('paused', {});
    c.send('paused', {});
    b.advancePosition(2 * 8000);
    b.send('ping', {});
    expect(await b.waitType('pong')).toMatchObject({ seq: 3, clientseq: 3 });
    await new Promise((r) => setTimeout(r, 300));
    expect(hasType(b, 'resume')).toBe(false); // nothing freed yet

    // A ends: its recognizer is released → B (the oldest waiting) is resumed, C stays paused
    a.send('close', { reason: 'end' });
    await a.waitType('closed', 15_000);
    expect(await b.waitType('resume', 15_000)).toMatchObject({ seq: 4, clientseq: 3, parameters: {} });
    await new Promise((r) => setTimeout(r, 300));
    expect(hasType(c, 'resume')).toBe(false);
    expect(await metric('audiohook_stt_waiting_sessions{provider="pocketsphinx"')).toBe(1);
    b.send('resumed', { start: 'PT0S', discarded: b.position });

    // B's speech after the resume is transcribed, at its position in the stream (after the 2 s gap)
    const speech = synthesizePcmu('I forgot my password and cannot log in to my account', 500, 1500);
    const frames = stereoPcmuFrames(speech, pcmuSilence((speech.length / 8000) * 1000));
    for (const f of frames) {
      b.sendAudio(f, f.length / 2);
      await new Promise((r) => setTimeout(r, 40));
    }
    const utterance = await waitFor(
      () =>
        probe
          .on(topic())
          .map((m) => m.json() as { data: Record<string, unknown> })
          .find((e) => e.data.kind === 'utterance' && e.data.interactionId === convB),
      { timeoutMs: 30_000, what: "B's utterance after resume" },
    );
    expect(String(utterance.data.text)).toMatch(/\bpassword\b/);
    expect(utterance.data).toMatchObject({ speaker: 'customer', utteranceId: `${b.sessionId}:external:1` });
    const offsetMs = utterance.data.offsetMs as number;
    expect(offsetMs).toBeGreaterThanOrEqual(2000 + 200); // 2 s discarded + ≥ 200 ms of the 500 ms lead
    expect(offsetMs).toBeLessThan(2000 + 1500);

    // B ends → C, the next in line, is resumed
    b.send('close', { reason: 'end' });
    await b.waitType('closed', 15_000);
    await c.waitType('resume', 15_000);
    expect(await metric('audiohook_flow_control_total{type="pause"')).toBe(2);
    expect(await metric('audiohook_flow_control_total{type="resume"')).toBe(2);
    c.send('resumed', { start: 'PT0S', discarded: 'PT3S' });
    c.send('close', { reason: 'end' });
    await c.waitType('closed', 15_000);
    expect(await metric('audiohook_stt_waiting_sessions{provider="pocketsphinx"')).toBe(0);
  }, 90_000);

  it('a paused session that closes leaves the queue: the next free recognizer goes to a later session', async () => {
    const [a] = await openSession(randomUUID());
    const [gone] = await openSession(randomUUID());
    await gone.waitType('pause', 5000);
    const [next] = await openSession(randomUUID());
    await next.waitType('pause', 5000);
    gone.send('paused', {});
    gone.send('close', { reason: 'end' });
    await gone.waitType('closed', 15_000);
    a.send('close', { reason: 'end' });
    await a.waitType('closed', 15_000);
    await next.waitType('resume', 15_000);
    expect(hasType(gone, 'resume')).toBe(false);
    next.send('close', { reason: 'end' });
    await next.waitType('closed', 15_000);
  }, 60_000);
});
