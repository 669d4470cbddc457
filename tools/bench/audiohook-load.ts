/**
 * AudioHook load benchmark with real speech (`npm run bench:audiohook-load`).
 *
 * connector-audiohook runs in process on a fresh test world (real PostgreSQL, Redis, Kafka) with the tenant's
 * offline recognizer (Moonshine in worker threads, or PocketSphinx processes). N Genesys-conformant
 * clients (default 50; `test/support/load.ts`) call at once, staggered over 3 s: each streams one espeak-ng
 * customer turn of the shared dev dialogues (8 kHz μ-law on `external`, silence on `internal`) in real time,
 * honours server `pause`/`resume` as Genesys does (audio discarded while paused), then closes. Measured: close
 * transactions within the client's 10 s timeout, clean socket closes, turns sent vs published on Kafka, and the
 * service's drop counters (flush timeouts, dropped utterances/audio, audio discarded while paused).
 *
 * Options: --calls N (50) · --stt moonshine|pocketsphinx (the tenant's provider, default moonshine) ·
 * --max-streams N (that provider's MAX_STREAMS; default 200 for moonshine, 8 for pocketsphinx) · --concurrency N
 * (MOONSHINE_CONCURRENCY, worker threads, default 1) · --drain-s N (wait for late utterances, 60) ·
 * --out PATH (docs/bench/audiohook-load-<stt>.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Topics } from '@hub/contracts';
import { createTestWorld, KafkaProbe } from '@hub/testing';
import { dropCounters, runCall, spokenCustomerTurns } from '../../apps/connector-audiohook/test/support/load';
import { seedAudioHookTenant, startAudioHook } from '../../apps/connector-audiohook/test/support/service';

const ROOT = join(__dirname, '..', '..');
const CLOSE_TIMEOUT_MS = 10_000;

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function main() {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '50' },
      stt: { type: 'string', default: 'moonshine' },
      'max-streams': { type: 'string' },
      concurrency: { type: 'string', default: '1' },
      'drain-s': { type: 'string', default: '60' },
      out: { type: 'string' },
    },
  });
  const stt = values.stt;
  if (stt !== 'moonshine' && stt !== 'pocketsphinx')
    throw new Error(`--stt moonshine|pocketsphinx, not ${stt}`);
  const maxStreams = values['max-streams'] ?? (stt === 'moonshine' ? '200' : '8');
  const out = values.out ?? join(ROOT, `docs/bench/audiohook-load-${stt}.json`);
  const calls = Number(values.calls);
  const dataDir = process.env['HUB_DATA_DIR'] ?? join(ROOT, '../shared/data');
  const load0 = loadavg();
  const world = await createTestWorld();
  const probe = new KafkaProbe();
  const { app, url } = await startAudioHook(world, {
    AUDIOHOOK_STT: 'tenant',
    ...(stt === 'moonshine'
      ? { MOONSHINE_MAX_STREAMS: maxStreams, MOONSHINE_CONCURRENCY: values.concurrency }
      : { POCKETSPHINX_MAX_STREAMS: maxStreams }),
    LOG_LEVEL: 'warn',
  });
  try {
    const tenant = await seedAudioHookTenant(world, { tenantId: 'bench-load', sttProvider: stt });
    const topic = `${world.kafkaNamespace}${Topics.conversationEvents.name}`;
    await probe.start([topic]);
    const turns = await spokenCustomerTurns(join(dataDir, 'retrieval/dev.jsonl'), calls);
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        runCall({
          url,
          tenant,
          turn: turns[i % turns.length],
          leadMs: Math.round((i / calls) * 3000),
          closeTimeoutMs: CLOSE_TIMEOUT_MS,
        }),
      ),
    );
    const callsS = (Date.now() - t0) / 1000;
    const base = url.replace('ws://', 'http://').split('/audiohook')[0];
    const published = () =>
      new Set(
        probe
          .on(topic)
          .map((m) => m.json() as { data: Record<string, unknown> })
          .filter((e) => e.data.kind === 'utterance' && e.data.speaker === 'customer')
          .map((e) => String(e.data.interactionId)),
      );
    const sent = results.filter((r) => r.speechSent);
    const drainEnd = Date.now() + Number(values['drain-s']) * 1000;
    let missing = sent.filter((r) => !published().has(r.conversationId));
    while (missing.length && Date.now() < drainEnd) {
      const d = dropCounters(await (await fetch(`${base}/metrics`)).text());
      if (missing.length <= d.flushTimeouts + d.droppedUtterances) break;
      await new Promise((r) => setTimeout(r, 500));
      missing = sent.filter((r) => !published().has(r.conversationId));
    }
    const drops = dropCounters(await (await fetch(`${base}/metrics`)).text());
    const closeMs = results.map((r) => r.closeMs).filter((x): x is number => x !== null);
    const summary = {
      at: new Date().toISOString(),
      calls,
      stt,
      maxStreams: Number(maxStreams),
      loadAverageBefore: load0.map((x) => +x.toFixed(2)),
      loadAverageAfter: loadavg().map((x) => +x.toFixed(2)),
      callsWallS: +callsS.toFixed(1),
      errors: results.filter((r) => r.error).length,
      closedWithinTimeout: closeMs.filter((x) => x < CLOSE_TIMEOUT_MS).length,
      cleanCloses: results.filter((r) => r.cleanClose).length,
      closeMs: { p50: pct(closeMs, 50), p99: pct(closeMs, 99), max: Math.max(...closeMs) },
      pausedSessions: results.filter((r) => r.paused).length,
      turnsSent: sent.length,
      turnsDiscardedWhilePaused: results.length - sent.length,
      turnsPublished: sent.length - missing.length,
      publishedTotal: published().size,
      missingAfterDrain: missing.length,
      drops,
      invariantHolds:
        closeMs.length === calls &&
        closeMs.every((x) => x < CLOSE_TIMEOUT_MS) &&
        missing.length <= drops.flushTimeouts + drops.droppedUtterances,
    };
    console.log(JSON.stringify(summary, null, 2));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({ summary, results }, null, 2));
  } finally {
    await probe.stop();
    await app.close();
    await world.drop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);
