import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Topics } from '@hub/contracts';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { FakeGenesysClient, stereoPcmuFrames } from './support/audiohook-client';
import { seedAudioHookTenant, startAudioHook, type SeededTenant } from './support/service';
import { synthesizeTelephony } from '../src/eval/speech-path';
import { pcmuSilence, synthesizePcmu } from './support/speech';

type Event = { id: string; tenantId: string; data: Record<string, unknown> };

/**
 * The offline Moonshine provider (in process, worker threads) through the whole connector: a Genesys-conformant
 * client streams the espeak-ng sentence as 8 kHz μ-law in real time — the sentence PocketSphinx heard as
 * "let one but right or not you read i" — and the published utterance carries its words. Then several calls at
 * once on one inference worker: every call gets `closed` within the client's timeout and every utterance is
 * published (late if need be) or counted as dropped.
 */
describe('connector-audiohook Moonshine speech to text (integration)', () => {
  const SENTENCE = 'Hello, I would like to check the status of my order. Can you help me find it?';
  let world: TestWorld;
  let app: INestApplication | undefined;
  let url: string;
  let tenant: SeededTenant;
  const probe = new KafkaProbe();
  const clients: FakeGenesysClient[] = [];
  const topic = () => `${world.kafkaNamespace}${Topics.conversationEvents.name}`;
  const metrics = async () =>
    (await fetch(`${url.replace('ws://', 'http://').split('/audiohook')[0]}/metrics`)).text();
  const counter = async (name: string, labels: string) =>
    (await metrics())
      .split('\n')
      .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels))
      .reduce((a, l) => a + Number(l.split(' ').pop()), 0);
  const utterancesOf = (conversationId: string) =>
    probe
      .on(topic())
      .map((m) => m.json() as Event)
      .filter((e) => e.data.kind === 'utterance' && e.data.interactionId === conversationId);

  /** One call: `speech` (default: SENTENCE by espeak-ng) on the customer channel at `speed`× real time, then close. */
  const call = async (speed: number, speech = synthesizePcmu(SENTENCE, 500, 1500)) => {
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
    c.open({ organizationId: tenant.organizationId, conversationId, supportedLanguages: true });
    const opened = await c.waitType('opened', 5000);
    for (let i = 0; i < frames.length; i++) {
      c.sendAudio(frames[i], frames[i].length / 2);
      if (i % 10 === 9) c.send('ping', {});
      await new Promise((r) => setTimeout(r, 200 / speed));
    }
    const closing = Date.now();
    c.send('close', { reason: 'end' });
    await c.waitType('closed', 10_000);
    return { c, conversationId, opened, closeMs: Date.now() - closing };
  };

  beforeAll(async () => {
    world = await createTestWorld();
    tenant = await seedAudioHookTenant(world, {
      tenantId: 'acme-moonshine',
      sttProvider: 'moonshine',
      // knowledge-base entity names: Moonshine hears "Limehouse" as "lime house"
      vocabulary: ['Cityroomz', 'Golden Wok', 'Acorn Guest House', 'Limehouse'],
    });
    ({ app, url } = await startAudioHook(world, {
      AUDIOHOOK_STT: 'tenant',
      MOONSHINE_CONCURRENCY: '1',
      MOONSHINE_MAX_STREAMS: '16',
    }));
    await probe.start([topic()]);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await probe.stop();
    await app?.close();
    await world?.drop();
  });

  it('recognizes the spoken sentence and publishes it as the final customer utterance', async () => {
    const { c, conversationId, opened } = await call(1);
    expect(opened.parameters.supportedLanguages).toContain('en-US');
    const [u] = await waitFor(
      () => (utterancesOf(conversationId).length ? utterancesOf(conversationId) : undefined),
      {
        timeoutMs: 60_000,
        what: 'utterance event',
      },
    );
    const text = String(u!.data.text);
    expect(text).toMatch(/status of my order/i);
    expect(text).toMatch(/^hello\b/i);
    expect(u).toMatchObject({
      tenantId: 'acme-moonshine',
      data: {
        kind: 'utterance',
        speaker: 'customer',
        isFinal: true,
        utteranceId: `${c.sessionId}:external:1`,
      },
    });
    expect(u!.data.confidence).toBeGreaterThan(0.3);
    expect(await counter('audiohook_stt_inference_seconds_total', 'provider="moonshine"')).toBeGreaterThan(0);
  });

  it("writes the tenant vocabulary's spelling for a name the recognizer heard as ordinary words", async () => {
    const before = await counter('audiohook_vocabulary_corrections_total', '');
    // Festival's natural voice (the spoken evaluation sets' voice)
    const { conversationId } = await call(
      2,
      await synthesizeTelephony('I am looking for the Limehouse hotel.', 150, 'festival'),
    );
    const [u] = await waitFor(
      () => (utterancesOf(conversationId).length ? utterancesOf(conversationId) : undefined),
      { timeoutMs: 60_000, what: 'utterance event' },
    );
    expect(String(u.data.text)).toContain('Limehouse');
    expect(String(u.data.text)).not.toMatch(/lime house/i);
    expect(await counter('audiohook_vocabulary_corrections_total', '')).toBeGreaterThan(before);
  });

  it('six calls at once on one worker: all close within the client timeout, no utterance lost silently', async () => {
    const calls = await Promise.all(Array.from({ length: 6 }, () => call(2)));
    for (const r of calls) expect(r.closeMs).toBeLessThan(5000);
    // each call's utterance is published (possibly after closed) or counted as dropped with a reason
    await waitFor(
      async () => {
        const published = calls.filter((r) => utterancesOf(r.conversationId).length > 0).length;
        const dropped = await counter('audiohook_stt_dropped_utterances_total', 'provider="moonshine"');
        return published + dropped >= calls.length ? true : undefined;
      },
      { timeoutMs: 90_000, what: 'every utterance published or counted' },
    );
    const published = calls.filter((r) => utterancesOf(r.conversationId).length > 0);
    expect(published.length).toBeGreaterThanOrEqual(1);
    for (const r of published) expect(String(utterancesOf(r.conversationId)[0].data.text)).toMatch(/order/i);
  });
});
