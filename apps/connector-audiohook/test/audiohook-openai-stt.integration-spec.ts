import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Topics } from '@hub/contracts';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { FakeGenesysClient, stereoPcmuFrames } from './support/audiohook-client';
import { startOpenAiTranscriptionServer } from './support/openai-transcription-server';
import { seedAudioHookTenant, startAudioHook, type SeededTenant } from './support/service';
import { pcmuSilence, synthesizePcmu } from './support/speech';

type Event = { id: string; tenantId: string; data: Record<string, unknown> };

/**
 * The OpenAI-compatible provider through the whole connector: a Genesys-conformant client streams an espeak-ng
 * sentence (8 kHz μ-law); the connector's VAD cuts the utterance, uploads it as a WAV in a multipart request to a
 * local `/v1/audio/transcriptions` server (busboy parser, bearer check, real PocketSphinx recognition of the
 * received audio), and the answer is published as the utterance on Kafka. Then the failure policy: 503 retried,
 * 400 permanent and counted as dropped.
 */
describe('connector-audiohook OpenAI-compatible speech to text (integration)', () => {
  const SENTENCE = 'I forgot my password and cannot log in to my account';
  const API_KEY = `sk-test-${randomUUID()}`;
  let world: TestWorld;
  let app: INestApplication | undefined;
  let url: string;
  let tenant: SeededTenant;
  let server: Awaited<ReturnType<typeof startOpenAiTranscriptionServer>>;
  /** Status forced on the next requests (consumed one per request), e.g. [503, 503]. */
  let forced: number[] = [];
  const probe = new KafkaProbe();
  const clients: FakeGenesysClient[] = [];
  const topic = () => `${world.kafkaNamespace}${Topics.conversationEvents.name}`;
  const metrics = async () =>
    (await fetch(`${url.replace('ws://', 'http://').split('/audiohook')[0]}/metrics`)).text();
  /** A counter's value (sum over its label sets matching `labels`). */
  const counter = async (name: string, labels: string) =>
    (await metrics())
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
      .reduce((a, l) => a + Number(l.split(' ').pop()), 0);

  /** One call: the sentence on the customer channel, sent 4× faster than real time, then close. */
  const call = async () => {
    const speech = synthesizePcmu(SENTENCE, 500, 1500);
    const frames = stereoPcmuFrames(speech, pcmuSilence((speech.length / 8000) * 1000));
    const c = new FakeGenesysClient({
      url,
      organizationId: tenant.organizationId,
      apiKey: tenant.apiKey,
      clientSecret: tenant.clientSecret,
    });
    clients.push(c);
    await c.opened;
    const conversationId = randomUUID();
    c.open({ organizationId: tenant.organizationId, conversationId });
    await c.waitType('opened', 5000);
    const before = server.received.length;
    for (const f of frames) {
      c.sendAudio(f, f.length / 2);
      await new Promise((r) => setTimeout(r, 50));
    }
    c.send('close', { reason: 'end' });
    await c.waitType('closed', 15_000);
    return { c, conversationId, speech, before };
  };

  // generous: the local server runs PocketSphinx per request, slow on a loaded 2-core machine
  const utteranceOf = (conversationId: string, timeoutMs = 120_000) =>
    waitFor(
      () =>
        probe
          .on(topic())
          .map((m) => m.json() as Event)
          .find((e) => e.data.kind === 'utterance' && e.data.interactionId === conversationId),
      { timeoutMs, what: 'utterance event' },
    );

  beforeAll(async () => {
    world = await createTestWorld();
    server = await startOpenAiTranscriptionServer({
      apiKey: API_KEY,
      failWith: () => forced.shift(),
    });
    tenant = await seedAudioHookTenant(world, {
      tenantId: 'acme-openai-stt',
      sttProvider: 'openai',
      vocabulary: ['A and B Guest House', 'Cityroomz'],
    });
    ({ app, url } = await startAudioHook(world, {
      AUDIOHOOK_STT: 'tenant',
      OPENAI_STT_BASE_URL: server.url,
      OPENAI_STT_API_KEY: API_KEY,
      OPENAI_STT_MODEL: 'whisper-1',
      OPENAI_STT_RETRY_DELAY_MS: '50',
      OPENAI_STT_MAX_ATTEMPTS: '3',
      OPENAI_STT_TIMEOUT_MS: '120000',
      // a local server on loopback over http: allowed explicitly, as in development
      OUTBOUND_ALLOW_HTTP: 'true',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
      AUDIOHOOK_CLOSE_FLUSH_WAIT_MS: '0',
    }));
    await probe.start([topic()]);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await probe.stop();
    await app?.close();
    await server?.close();
    await world?.drop();
  });

  it('uploads each utterance as a multipart WAV and publishes the transcription on Kafka', async () => {
    const { c, conversationId, speech, before } = await call();
    const utterance = await utteranceOf(conversationId);
    const requests = server.received.slice(before);
    // one utterance, one request (the agent channel is silence: no request for it)
    expect(requests).toHaveLength(1);
    const r = requests[0];
    expect(r.status).toBe(200);
    expect(r.authorization).toBe(`Bearer ${API_KEY}`);
    expect(r.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(r.fields).toMatchObject({
      model: ['whisper-1'],
      language: ['en'],
      response_format: ['verbose_json'],
      // the tenant's vocabulary as the prompt
      prompt: ['A and B Guest House, Cityroomz'],
      'timestamp_granularities[]': ['word', 'segment'],
    });
    expect(r.file).toMatchObject({ filename: 'utterance.wav', mimeType: 'audio/wav' });
    expect(r.wav).toMatchObject({ channels: 1, sampleRate: 16000, bitsPerSample: 16 });
    // the utterance's audio: about the sentence (≈3 s), less than the whole stream
    const seconds = r.wav!.samples / 16000;
    expect(seconds).toBeGreaterThan(2);
    expect(seconds).toBeLessThan(speech.length / 8000);
    // what the server recognized (real PocketSphinx on the received audio) is what reaches Kafka
    expect(r.answer?.text.length).toBeGreaterThan(0);
    expect(utterance.data).toMatchObject({
      kind: 'utterance',
      speaker: 'customer',
      text: r.answer!.text,
      utteranceId: `${c.sessionId}:external:1`,
      isFinal: true,
    });
    expect(utterance.tenantId).toBe('acme-openai-stt');
    expect(utterance.data.offsetMs as number).toBeGreaterThanOrEqual(0);
    expect(utterance.data.offsetMs as number).toBeLessThan(1500); // 500 ms of leading silence
    expect(utterance.data.confidence).toBeCloseTo(Math.exp(-0.3), 3);
  }, 180_000);

  it('retries 503 answers (counted) and still publishes the utterance', async () => {
    forced = [503, 503];
    const retries0 = await counter('audiohook_stt_retries_total', 'provider="openai"');
    const { conversationId, before } = await call();
    const utterance = await utteranceOf(conversationId);
    const requests = server.received.slice(before);
    expect(requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(utterance.data.text).toBe(requests[2].answer!.text);
    expect((await counter('audiohook_stt_retries_total', 'provider="openai"')) - retries0).toBe(2);
  }, 180_000);

  it('does not retry a 400 and counts the utterance as dropped (rejected)', async () => {
    forced = [400];
    const rejected0 = await counter('audiohook_stt_dropped_utterances_total', 'reason="rejected"');
    const errors0 = await counter('audiohook_stt_errors_total', 'provider="openai"');
    const { conversationId, before } = await call();
    await waitFor(() => server.received.slice(before).some((r) => r.status) || undefined, {
      timeoutMs: 60_000,
      what: 'request',
    });
    // give a retry (50 ms backoff) ample time to happen if it wrongly would
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.received.slice(before).map((r) => r.status)).toEqual([400]);
    expect((await counter('audiohook_stt_dropped_utterances_total', 'reason="rejected"')) - rejected0).toBe(
      1,
    );
    expect((await counter('audiohook_stt_errors_total', 'provider="openai"')) - errors0).toBe(1);
    expect(
      probe
        .on(topic())
        .map((x) => x.json() as Event)
        .filter((e) => e.data.kind === 'utterance' && e.data.interactionId === conversationId),
    ).toHaveLength(0);
  }, 180_000);
});
