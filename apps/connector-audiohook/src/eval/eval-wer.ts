/**
 * Word error rate of the connector's speech-to-text engines on telephony audio (`npm run eval:wer`).
 *
 * Sets:
 * - `librivox`: the real read-speech clips of Debian's `pocketsphinx-testdata`
 *   (`/usr/share/pocketsphinx/test/data/librivox`, 16 kHz WAV + `transcription`), converted by sox to 8 kHz μ-law;
 * - `espeak`: customer turns of the shared retrieval dialogues (`--dialogues`, first `--turns N` customer turns),
 *   synthesized by espeak-ng (en-us, 150 wpm) and converted to 8 kHz μ-law;
 * - `festival`: the same turns spoken by Festival's CMU ARCTIC slt HTS voice (closer to a human caller).
 * Every clip goes through the connector's own decode path and a recognizer stream ({@link transcribeTelephony});
 * WER is scored by NIST sclite ({@link scoreWer}).
 *
 * Engines: `moonshine` (Moonshine tiny in process, {@link MoonshineSpeechToText}, one inference at a time),
 * `pocketsphinx` (noise fill as configured by default, 330), `pocketsphinx-no-fill` (noise fill 0).
 *
 * Options: --dialogues PATH (default ../shared/data/retrieval/dev.jsonl) · --turns N (default 40) ·
 * --librivox DIR · --engines a,b · --json PATH · --concurrency N (default 2).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { evaluationEngines } from './engines';
import {
  synthesizeTelephony,
  telephonyFromFile,
  transcribeTelephony,
  type SynthesisVoice,
} from './speech-path';
import { scoreWer, type WerPair, type WerSummary } from './wer';

interface Clip {
  id: string;
  reference: string;
  audio: () => Promise<Uint8Array>;
}

/** The LibriVox clips of `pocketsphinx-testdata`: `fileids` + `transcription` (`<s> text </s> (id)`). */
function librivoxClips(dir: string): Clip[] {
  const refs = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'transcription'), 'utf8').split('\n')) {
    const m = /^(.*)\(([^)]+)\)\s*$/.exec(line.trim());
    if (m) refs.set(m[2], m[1].replace(/<\/?s>/g, '').trim());
  }
  return readFileSync(join(dir, 'fileids'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((id) => {
      const reference = refs.get(id);
      if (reference === undefined) throw new Error(`librivox: no transcription for ${id}`);
      return { id, reference, audio: () => telephonyFromFile(join(dir, `${id}.wav`)) };
    });
}

/** The first `n` customer turns of the dialogues file, synthesized with `voice`. */
function synthesizedClips(path: string, n: number, voice: SynthesisVoice): Clip[] {
  const out: Clip[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim() || out.length >= n) continue;
    const d = JSON.parse(line) as { id: string; turns: { speaker: string; text: string }[] };
    d.turns.forEach((t, i) => {
      if (t.speaker === 'customer' && out.length < n)
        out.push({
          id: `${d.id}-${i}`,
          reference: t.text,
          audio: () => synthesizeTelephony(t.text, 150, voice),
        });
    });
  }
  return out;
}

async function main() {
  const { values } = parseArgs({
    options: {
      dialogues: { type: 'string', default: '../shared/data/retrieval/dev.jsonl' },
      turns: { type: 'string', default: '40' },
      librivox: { type: 'string', default: '/usr/share/pocketsphinx/test/data/librivox' },
      engines: { type: 'string', default: 'moonshine,pocketsphinx' },
      concurrency: { type: 'string', default: '2' },
      json: { type: 'string' },
    },
  });
  const logger = pino({ level: 'warn' });
  const concurrency = Math.max(1, Number(values.concurrency));
  const engines = evaluationEngines(concurrency, logger);
  const sets: Record<string, Clip[]> = {
    librivox: librivoxClips(values.librivox),
    espeak: synthesizedClips(values.dialogues, Number(values.turns), 'espeak'),
    festival: synthesizedClips(values.dialogues, Number(values.turns), 'festival'),
  };
  const load0 = loadavg()[0];
  const rows: {
    engine: string;
    set: string;
    summary: WerSummary;
    audioS: number;
    wallS: number;
    examples: WerPair[];
  }[] = [];
  for (const engineName of values.engines.split(',')) {
    const make = engines[engineName];
    if (!make) throw new Error(`unknown engine ${engineName} (known: ${Object.keys(engines).join(', ')})`);
    const provider = make();
    for (const [setName, clips] of Object.entries(sets)) {
      const pairs: WerPair[] = new Array(clips.length);
      let audioMs = 0;
      const t0 = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < clips.length) {
          const c = clips[next++];
          const r = await transcribeTelephony(provider, await c.audio(), c.id);
          audioMs += r.audioMs;
          pairs[clips.indexOf(c)] = { id: c.id, reference: c.reference, hypothesis: r.text };
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const summary = await scoreWer(pairs);
      rows.push({
        engine: engineName,
        set: setName,
        summary,
        audioS: audioMs / 1000,
        wallS: (performance.now() - t0) / 1000,
        examples: pairs.slice(0, 3),
      });
      console.error(
        `${engineName} / ${setName}: WER ${summary.wer.toFixed(1)} % over ${summary.referenceWords} words`,
      );
    }
  }
  const load1 = loadavg()[0];
  const lines = [
    '| engine | set | utterances | words | WER % | sub % | del % | ins % | audio s | wall s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.engine} | ${r.set} | ${r.summary.sentences} | ${r.summary.referenceWords} | ${r.summary.wer.toFixed(1)} | ${r.summary.substitutions.toFixed(1)} | ${r.summary.deletions.toFixed(1)} | ${r.summary.insertions.toFixed(1)} | ${r.audioS.toFixed(1)} | ${r.wallS.toFixed(1)} |`,
    ),
  ];
  console.log(lines.join('\n'));
  console.log(
    `\nload average (1 min) at start ${load0.toFixed(1)}, at end ${load1.toFixed(1)}; scored by sclite (SCTK)`,
  );
  if (values.json)
    writeFileSync(
      values.json,
      JSON.stringify({ rows, loadAverage: [load0, load1], at: new Date().toISOString() }, null, 2),
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
