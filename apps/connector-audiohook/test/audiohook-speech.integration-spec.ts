import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Topics } from '@hub/contracts';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { FakeGenesysClient, stereoPcmuFrames } from './support/audiohook-client';
import { seedAudioHookTenant, startAudioHook, type SeededTenant } from './support/service';
import { pcmuSilence, synthesizePcmu } from './support/speech';

/**
 * Real speech through the whole connector: an espeak-ng sentence as 8 kHz μ-law on the customer
 * channel (`external`), silence on the agent channel, streamed in real time as 200 ms stereo PCMU
 * frames → PocketSphinx → a final utterance conversation event on Kafka, and a `transcript` event
 * back to the client (the tenant has sendTranscriptEvents).
 */
describe('connector-audiohook speech to text (integration, PocketSphinx)', () => {
  const SENTENCE = 'I forgot my password and cannot log in to my account';
  let world: TestWorld;
  let app: INestApplication | undefined;
  let url: string;
  let tenant: SeededTenant;
  const probe = new KafkaProbe();
  let client: FakeGenesysClient | undefined;

  /**
   * An opened session (one new client, kept in `client` for clean-up) and the sentence as stereo PCMU frames:
   * speech on the customer channel with `leadMs` / `tailMs` of silence around it, silence on the agent channel.
   */
  const openSpokenSession = async (leadMs: number, tailMs: number) => {
    const speech = synthesizePcmu(SENTENCE, leadMs, tailMs);
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
    return { speech, frames, c, conversationId };
  };

  beforeAll(async () => {
    world = await createTestWorld();
    tenant = await seedAudioHookTenant(world, { tenantId: 'acme-speech', sendTranscriptEvents: true });
    ({ app, url } = await startAudioHook(world, {
      AUDIOHOOK_STT: 'tenant',
      POCKETSPHINX_MAX_STREAMS: '4',
      // `closed` answers `close` at once; recognizers still flushing publish their utterances afterwards
      AUDIOHOOK_CLOSE_FLUSH_WAIT_MS: '0',
      // the late utterance must come out even when a loaded machine slows PocketSphinx far below real time
      STT_FLUSH_TIMEOUT_MS: '60000',
    }));
    await probe.start([`${world.kafkaNamespace}${Topics.conversationEvents.name}`]);
  }, 120_000);

  afterAll(async () => {
    client?.ws.terminate();
    await probe.stop();
    await app?.close();
    await world?.drop();
  });

  it("advertises PocketSphinx's language in opened when the probe asks (supportedLanguages: true)", async () => {
    const c = new FakeGenesysClient({
      url,
      organizationId: tenant.organizationId,
      apiKey: tenant.apiKey,
      clientSecret: tenant.clientSecret,
    });
    try {
      await c.opened;
      c.open({
        organizationId: tenant.organizationId,
        conversationId: '00000000-0000-0000-0000-000000000000',
        supportedLanguages: true,
      });
      const opened = await c.waitType('opened', 5000);
      expect(opened.parameters.supportedLanguages).toEqual(['en-US']);
      c.send('close', { reason: 'end' });
      await c.waitType('closed');
    } finally {
      c.ws.terminate();
    }
  });

  it('turns a spoken customer sentence into a final utterance event with speaker and ms offsets', async () => {
    const { speech, frames, c, conversationId } = await openSpokenSession(500, 1500);

    // real time: one 200 ms frame every 200 ms, with a ping every 2 s as Genesys does
    for (let i = 0; i < frames.length; i++) {
      c.sendAudio(frames[i], frames[i].length / 2);
      if (i % 10 === 9) c.send('ping', {});
      await new Promise((r) => setTimeout(r, 200));
    }

    const topic = `${world.kafkaNamespace}${Topics.conversationEvents.name}`;
    const utterance = await waitFor(
      () =>
        probe
          .on(topic)
          .map(
            (m) =>
              m.json() as {
                id: string;
                tenantId: string;
                correlationId: string;
                data: Record<string, unknown>;
              },
          )
          .find((e) => e.data.kind === 'utterance' && e.data.interactionId === conversationId),
      { timeoutMs: 30_000, what: 'utterance event' },
    );
    // recognized while streaming (end of speech detected on silence), before any close
    expect(c.messages.some((m) => m.type === 'closed')).toBe(false);
    const text = String(utterance.data.text);
    expect(text).toMatch(/\bforgot\b/);
    expect(text).toMatch(/\bpassword\b/);
    expect(utterance).toMatchObject({
      tenantId: 'acme-speech',
      correlationId: conversationId,
      data: {
        kind: 'utterance',
        provider: 'genesys',
        interactionId: conversationId,
        utteranceId: `${c.sessionId}:external:1`,
        speaker: 'customer',
        isFinal: true,
        language: 'en-US',
      },
    });
    const offsetMs = utterance.data.offsetMs as number;
    const durationMs = utterance.data.durationMs as number;
    expect(offsetMs).toBeGreaterThanOrEqual(200); // 500 ms of leading silence
    expect(offsetMs).toBeLessThan(1500);
    expect(durationMs).toBeGreaterThan(1000); // the sentence lasts ≈3 s
    expect(offsetMs + durationMs).toBeLessThanOrEqual((speech.length / 8000) * 1000);
    expect(utterance.data.confidence).toBeGreaterThan(0);

    const transcript = await c.waitFor((m) => m.type === 'event', 10_000, 'transcript event');
    expect(transcript.parameters).toMatchObject({
      entities: [
        {
          type: 'transcript',
          data: {
            channel: 'external',
            isFinal: true,
            alternatives: [{ interpretations: [{ type: 'display', transcript: text }] }],
          },
        },
      ],
    });

    c.send('close', { reason: 'end' });
    await c.waitType('closed', 15_000);
    // no agent speech (silence) → no agent utterance
    expect(
      probe
        .on(topic)
        .map((m) => m.json() as { data: Record<string, unknown> })
        .filter((e) => e.data.interactionId === conversationId && e.data.speaker === 'agent'),
    ).toHaveLength(0);
  }, 90_000);

  it('answers close at once while the recognizer is still flushing, and publishes the late utterance after closed', async () => {
    const { frames, c, conversationId } = await openSpokenSession(300, 100);
    // the whole sentence at once (it runs to the end of the stream: a hang-up mid-sentence), then `close` right
    // away: the recognizer has not finished it yet
    for (const f of frames) c.sendAudio(f, f.length / 2);
    c.send('close', { reason: 'end' });
    await c.waitType('closed', 15_000);
    const topic = `${world.kafkaNamespace}${Topics.conversationEvents.name}`;
    const utterance = (await waitFor(
      () =>
        probe
          .on(topic)
          .map((m) => m.json() as { data: Record<string, unknown> })
          .find((e) => e.data.kind === 'utterance' && e.data.interactionId === conversationId),
      { timeoutMs: 90_000, what: 'late utterance event' },
    ))!;
    expect(String(utterance.data.text)).toMatch(/\bpassword\b/);
    c.ws.terminate();
    const metrics = await (
      await fetch(`${url.replace('ws://', 'http://').split('/audiohook')[0]}/metrics`)
    ).text();
    // recognized after `closed` was sent: counted as late, published all the same
    expect(metrics).toMatch(/audiohook_late_utterances_total\S* [1-9]/);
    expect(metrics).toMatch(
      /audiohook_stt_flush_timeouts_total\{provider="pocketsphinx"\} 0|audiohook_stt_flush_timeouts_total 0|^(?![\s\S]*audiohook_stt_flush_timeouts_total\{)/m,
    );
  }, 150_000);
});
