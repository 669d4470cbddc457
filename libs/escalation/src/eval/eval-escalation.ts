/**
 * `npm run eval:escalation -- --data <jsonl>`: evaluates the "needs a human" detector (asks for a human,
 * complaint: {@link NEEDS_HUMAN_CLASSES}) on lines `{text, label: "escalate"|"none"}` and prints precision, recall,
 * F1 and the false-escalation rate (share of `none` lines flagged; the only figure for a file of `none` lines).
 * Also prints how often the other classes (frustration, sensitive advice) fire.
 *
 * Options: --model all-minilm-l6-v2|all-minilm-l6-v2-q (default all-minilm-l6-v2) · --predictions PATH (one JSON
 * line per input with the signals) · --json PATH (the figures). Exit 2 on bad input (file:line: field: message).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { OnnxSentenceEmbedder, type MiniLmVariant } from '@hub/embeddings';
import {
  DEFAULT_PROTOTYPE_SETTINGS,
  NEEDS_HUMAN_CLASSES,
  PrototypeDetector,
  STRICT_PROTOTYPE_SETTINGS,
} from '../detectors/prototype-detector';
import { binaryMetrics, fmt } from './metrics';
import { EvalInputError, readJsonl } from './read-jsonl';

const Line = z.object({ text: z.string().min(1), label: z.enum(['escalate', 'none']) });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      model: { type: 'string', default: 'all-minilm-l6-v2' },
      predictions: { type: 'string' },
      json: { type: 'string' },
    },
  });
  if (!values.data) throw new EvalInputError('--data <jsonl> is required');
  const rows = readJsonl(values.data, Line);
  const started = performance.now();
  const model = await OnnxSentenceEmbedder.loadMiniLm(values.model as MiniLmVariant);
  const detector = await PrototypeDetector.create(model);
  const signals = await detector.detectAll(rows.map((r) => r.text));
  const elapsed = performance.now() - started;
  const predicted = signals.map((s) => s.some((c) => c.fired && NEEDS_HUMAN_CLASSES.includes(c.class)));
  const m = binaryMetrics(rows.map((r, i) => ({ gold: r.label === 'escalate', predicted: predicted[i] })));
  const fired: Record<string, number> = {};
  for (const s of signals) for (const c of s) if (c.fired) fired[c.class] = (fired[c.class] ?? 0) + 1;
  const s = DEFAULT_PROTOTYPE_SETTINGS;
  console.log(`data: ${values.data} (${m.n} lines: ${m.tp + m.fn} escalate, ${m.fp + m.tn} none)`);
  console.log(
    `detector: prototype similarity, model ${model.id}, k=${s.k}, threshold=${s.threshold}, margin=${s.margin}` +
      ' (settings tuned on the bitext-train rows of shared/data/escalation/dev.jsonl)',
  );
  console.log(
    `needs a human = ${NEEDS_HUMAN_CLASSES.join(' | ')}; other classes (not counted): threshold=` +
      `${STRICT_PROTOTYPE_SETTINGS.threshold}, margin=${STRICT_PROTOTYPE_SETTINGS.margin} (untuned)`,
  );
  console.log(`tp=${m.tp} fp=${m.fp} fn=${m.fn} tn=${m.tn}`);
  console.log(`precision=${fmt(m.precision)} recall=${fmt(m.recall)} f1=${fmt(m.f1)}`);
  console.log(`false_escalation_rate=${fmt(m.falseEscalationRate)} (${m.fp} of ${m.fp + m.tn} none lines)`);
  console.log(`fired per class: ${JSON.stringify(fired)}`);
  console.log(
    `time: ${(elapsed / 1000).toFixed(1)} s (${(elapsed / m.n).toFixed(2)} ms per line incl. model load)`,
  );
  if (values.predictions) {
    writeFileSync(
      values.predictions,
      rows
        .map((r, i) =>
          JSON.stringify({ text: r.text, label: r.label, predicted: predicted[i], signals: signals[i] }),
        )
        .join('\n') + '\n',
    );
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ ...m, fired }, null, 2));
  await model.close();
}

main().catch((e: unknown) => {
  console.error(e instanceof EvalInputError ? `eval:escalation: ${e.message}` : e);
  process.exit(e instanceof EvalInputError ? 2 : 1);
});
