/**
 * Builds a spoken version of a retrieval dialogues file (`npm run eval:spoken-set`): every customer turn of the
 * first `--limit N` dialogues is synthesized (`--voice festival|espeak`, {@link synthesizeTelephony}), converted to
 * 8 kHz μ-law and recognized by `--engine moonshine|pocketsphinx` through the connector's own speech path
 * ({@link transcribeTelephony}); agent turns stay as written (the agent's
 * channel is not part of this set). Output rows are the input rows with each customer turn's `text` replaced by the
 * recognized text and the original kept as `written`. The output is appended to and resumable: dialogues already in
 * `--out` are skipped, so a stopped run continues where it was. At the end the customer turns' WER (sclite) is
 * printed.
 *
 * Options: --dialogues PATH · --out PATH · --limit N (default 40) · --concurrency N (default 2) ·
 * --engine moonshine|pocketsphinx (default moonshine) · --voice festival|espeak (default festival).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { evaluationEngines } from './engines';
import { synthesizeTelephony, transcribeTelephony, type SynthesisVoice } from './speech-path';
import { scoreWer, type WerPair } from './wer';

interface Turn {
  speaker: 'customer' | 'agent';
  text: string;
  written?: string;
}
interface Dialogue {
  id: string;
  turns: Turn[];
  gold: string[];
}

function readJsonl(path: string): Dialogue[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Dialogue);
}

async function main() {
  const { values } = parseArgs({
    options: {
      dialogues: { type: 'string' },
      out: { type: 'string' },
      limit: { type: 'string', default: '40' },
      concurrency: { type: 'string', default: '2' },
      engine: { type: 'string', default: 'moonshine' },
      voice: { type: 'string', default: 'festival' },
    },
  });
  if (!values.dialogues || !values.out) {
    console.error(
      'usage: npm run eval:spoken-set -- --dialogues <dev.jsonl> --out <spoken.jsonl> [--limit N]',
    );
    process.exit(2);
  }
  const out = values.out;
  const concurrency = Math.max(1, Number(values.concurrency));
  const voice = values.voice as SynthesisVoice;
  if (voice !== 'festival' && voice !== 'espeak') throw new Error(`unknown --voice ${values.voice}`);
  const logger = pino({ level: 'warn' });
  const engines = evaluationEngines(concurrency, logger);
  const make = engines[values.engine];
  if (!make) throw new Error(`unknown --engine ${values.engine} (known: ${Object.keys(engines).join(', ')})`);
  const provider = make();
  const done = new Set(existsSync(out) ? readJsonl(out).map((d) => d.id) : []);
  const todo = readJsonl(values.dialogues)
    .slice(0, Number(values.limit))
    .filter((d) => !done.has(d.id));
  const load0 = loadavg()[0];
  const t0 = performance.now();
  let next = 0;
  let audioMs = 0;
  const worker = async () => {
    while (next < todo.length) {
      const d = todo[next++];
      const turns: Turn[] = [];
      for (const [i, t] of d.turns.entries()) {
        if (t.speaker !== 'customer') {
          turns.push(t);
          continue;
        }
        const r = await transcribeTelephony(
          provider,
          await synthesizeTelephony(t.text, 150, voice),
          `${d.id}:${i}`,
        );
        audioMs += r.audioMs;
        turns.push({ speaker: 'customer', text: r.text, written: t.text });
      }
      appendFileSync(out, JSON.stringify({ ...d, turns }) + '\n');
      console.error(`${d.id}: ${turns.filter((t) => t.written !== undefined).length} customer turns`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const pairs: WerPair[] = readJsonl(out).flatMap((d) =>
    d.turns
      .filter((t) => t.written !== undefined)
      .map((t, i) => ({ id: `${d.id}-${i}`, reference: t.written ?? '', hypothesis: t.text })),
  );
  const s = await scoreWer(pairs);
  console.log(
    `${out}: ${readJsonl(out).length} dialogues, ${s.sentences} customer turns, ${s.referenceWords} words; ` +
      `WER ${s.wer.toFixed(1)} % (sub ${s.substitutions}, del ${s.deletions}, ins ${s.insertions}); this run: ` +
      `${(audioMs / 1000).toFixed(0)} s of audio in ${((performance.now() - t0) / 1000).toFixed(0)} s, load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
  );
}

// exit explicitly: the Moonshine provider's worker threads would keep the process alive
main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);
