import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Topics } from '@hub/contracts';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { dropCounters, runCall, spokenCustomerTurns, type CallResult } from './support/load';
import { seedAudioHookTenant, startAudioHook, type SeededTenant } from './support/service';

const CALLS = 12;
/** Genesys Cloud's close-transaction timeout (then "Timeout waiting for close transaction", error 408). */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Concurrent calls of real speech (espeak-ng customer turns of the shared dev dialogues, 8 kHz μ-law, real time)
 * against the connector with its default PocketSphinx capacity: every call closes cleanly within the client's
 * close timeout, and every customer turn that was sent either arrives on Kafka as an utterance or is counted as
 * dropped with a reason in the service's metrics; turns the client discarded while paused are counted too.
 * The 50-call run is `npm run bench:audiohook-load`.
 */
describe(`connector-audiohook under load (${CALLS} concurrent calls, integration)`, () => {
  let world: TestWorld;
  let app: INestApplication | undefined;
  let url: string;
  let tenant: SeededTenant;
  const probe = new KafkaProbe();
  const topic = () => `${world.kafkaNamespace}${Topics.conversationEvents.name}`;

  beforeAll(async () => {
    world = await createTestWorld();
    tenant = await seedAudioHookTenant(world, { tenantId: 'acme-load' });
    ({ app, url } = await startAudioHook(world, { AUDIOHOOK_STT: 'tenant' }));
    await probe.start([topic()]);
  }, 120_000);

  afterAll(async () => {
    await probe.stop();
    await app?.close();
    await world?.drop();
  });

  it('closes every call within the close timeout; every turn is published or counted', async () => {
    const dataDir = process.env['HUB_DATA_DIR'] ?? join(__dirname, '../../../../shared/data');
    const turns = await spokenCustomerTurns(join(dataDir, 'retrieval/dev.jsonl'), CALLS);
    expect(turns).toHaveLength(CALLS);
    const results: CallResult[] = await Promise.all(
      turns.map((turn, i) =>
        runCall({ url, tenant, turn, leadMs: (i * 1000) % 3000, closeTimeoutMs: CLOSE_TIMEOUT_MS }),
      ),
    );
    const base = url.replace('ws://', 'http://').split('/audiohook')[0];
    const published = () =>
      new Set(
        probe
          .on(topic())
          .map((m) => m.json() as { data: Record<string, unknown> })
          .filter((e) => e.data.kind === 'utterance' && e.data.speaker === 'customer')
          .map((e) => String(e.data.interactionId)),
      );
    const sent = results.filter((r) => r.speechSent);
    // late utterances (recognized after `closed`) are still published: wait for them or for their drop count
    let missing: CallResult[] = [];
    await waitFor(
      async () => {
        const p = published();
        missing = sent.filter((r) => !p.has(r.conversationId));
        const d = dropCounters(await (await fetch(`${base}/metrics`)).text());
        return missing.length === 0 || missing.length <= d.flushTimeouts + d.droppedUtterances;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'every sent turn published or counted as dropped' },
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const d = dropCounters(metrics);

    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.closeMs).not.toBeNull();
      expect(r.closeMs!).toBeLessThan(CLOSE_TIMEOUT_MS);
      expect(r.cleanClose).toBe(true);
    }
    // audio discarded while paused (turns not sent) is counted by the service, to the frame
    const discardedMs = results.reduce((a, r) => a + r.discardedMs, 0);
    expect(Math.abs(d.discardedWhilePausedSeconds * 1000 - discardedMs)).toBeLessThanOrEqual(
      results.length * 200,
    );
    // sent turns: published, or each counted as a lost utterance
    expect(missing.length).toBeLessThanOrEqual(d.flushTimeouts + d.droppedUtterances);
  }, 240_000);
});
