import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { mulaw } from 'alawmulaw';
import { Topics } from '@hub/contracts';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { FakeGenesysClient, stereoPcmuFrames } from './support/audiohook-client';
import { seedAudioHookTenant, startAudioHook, type SeededTenant } from './support/service';
import { pcmuSilence, synthesizePcmu } from './support/speech';
import { startVoskServer } from './support/vosk-server';

type Event = { tenantId: string; data: Record<string, unknown> };

/**
 * The Vosk-server provider through the whole connector: a Genesys-conformant client streams an espeak-ng sentence
 * in real time; the connector opens one Vosk WebSocket per channel, sends the `config`, streams every frame's PCM as
 * it arrives and `{"eof" : 1}` at the end. The local server speaks asr_server.py's protocol backed by the real
 * PocketSphinx; its final results must reach Kafka through the normal publish path while the call is still going.
 */
describe('connector-audiohook Vosk server speech to text (integration)', () => {
  const SENTENCE = 'I forgot my password and cannot log in to my account';
  let world: TestWorld;
  let app: INestApplication | undefined;
  let url: string;
  let tenant: SeededTenant;
  let vosk: Awaited<ReturnType<typeof startVoskServer>>;
  const probe = new KafkaProbe();
  let client: FakeGenesysClient | undefined;
  const topic = () => `${world.kafkaNamespace}${Topics.conversationEvents.name}`;

  beforeAll(async () => {
    world = await createTestWorld();
    vosk = await startVoskServer();
    tenant = await seedAudioHookTenant(world, { tenantId: 'acme-vosk-stt', sttProvider: 'vosk' });
    ({ app, url } = await startAudioHook(world, {
      AUDIOHOOK_STT: 'tenant',
      VOSK_STT_URL: vosk.url,
      OUTBOUND_ALLOW_HTTP: 'true',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
    }));
    await probe.start([topic()]);
  }, 120_000);

  afterAll(async () => {
    client?.ws.terminate();
    await probe.stop();
    await app?.close();
    await vosk?.close();
    await world?.drop();
  });

  it('streams each channel to the Vosk server as it arrives and publishes its final results', async () => {
    const speech = synthesizePcmu(SENTENCE, 500, 1500);
    const frames = stereoPcmuFrames(speech, pcmuSilence((speech.length / 8000) * 1000));
    const c = (client = new FakeGenesysClient({
      url,
      organizationId: tenant.organizationId,
      apiKey: tenant.apiKey,
      clientSecret: tenant.clientSecret,
    }));
    await c.opened;
    const conversationId = randomUUID();
    c.open({ organizationId: tenant.organizationId, conversationId });
    await c.waitType('opened', 5000);
    const t0 = Date.now();
    const found = () =>
      probe
        .on(topic())
        .map((m) => m.json() as Event)
        .find((e) => e.data.kind === 'utterance' && e.data.interactionId === conversationId);
    // real time; after the sentence the call goes on with silence (as a call does) until the final arrives: the
    // server answers each audio message, and a final rides on the answer after the recognizer's endpoint
    const silence = stereoPcmuFrames(pcmuSilence(200), pcmuSilence(200))[0];
    let sentFrames = 0;
    let utterance: Event | undefined;
    while (!utterance && Date.now() - t0 < 60_000) {
      const f = sentFrames < frames.length ? frames[sentFrames] : silence;
      c.sendAudio(f, f.length / 2);
      sentFrames += 1;
      await new Promise((r) => setTimeout(r, 200));
      if (sentFrames >= frames.length) utterance = found();
    }
    if (!utterance) throw new Error('no utterance within 60 s of streaming');
    const extraMs = (sentFrames - frames.length) * 200;
    expect(c.messages.some((m) => m.type === 'closed')).toBe(false);
    c.send('close', { reason: 'end' });
    await c.waitType('closed', 15_000);
    await waitFor(() => vosk.connections.length === 2 && vosk.connections.every((k) => k.eofAt), {
      timeoutMs: 15_000,
      what: 'eof on both connections',
    });

    // protocol: config first, verbatim eof last
    for (const k of vosk.connections) {
      expect(JSON.parse(k.texts[0])).toEqual({ config: { sample_rate: 8000, words: 1 } });
      expect(k.texts[k.texts.length - 1]).toBe('{"eof" : 1}');
      // streamed: audio arrived within the first second of the call, long before its end
      expect(k.firstAudioAt! - t0).toBeLessThan(1000);
      expect(k.binaryMessages).toBeGreaterThanOrEqual(sentFrames - 1);
    }
    // exact bytes: the customer channel's μ-law decoded to 16-bit little-endian PCM, every sample, in order
    const sentPcmu = Buffer.concat([speech, pcmuSilence(extraMs)]);
    const expected = Buffer.from(mulaw.decode(sentPcmu).buffer);
    const customer = vosk.connections.find((k) => k.audio.equals(expected));
    expect(customer).toBeDefined();
    const agent = vosk.connections.find((k) => k !== customer)!;
    expect(agent.audio.length).toBe(expected.length);
    expect(agent.audio.equals(Buffer.from(mulaw.decode(pcmuSilence(sentPcmu.length / 8)).buffer))).toBe(true);

    // the server's (PocketSphinx-backed) final result is the published utterance, words and times included
    const final = customer!.finals.find((f) => f.text)!;
    expect(utterance.data).toMatchObject({
      kind: 'utterance',
      speaker: 'customer',
      text: final.text,
      utteranceId: `${c.sessionId}:external:1`,
      offsetMs: Math.round(final.result[0].start * 1000),
    });
    expect(String(utterance.data.text)).toMatch(/\bpassword\b/);
    expect(utterance.tenantId).toBe('acme-vosk-stt');
  }, 90_000);
});
