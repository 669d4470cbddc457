/**
 * `npm run eval:oos -- --scope <scope.jsonl> --data <jsonl>`: trains the {@link ScopeDetector} on the scope file's
 * `{text, intent}` lines, chooses its threshold on a split of the scope file held out of training (never on
 * --data), then prints, for --data lines `{text, label: "in_scope"|"oos", intent}`, the in-scope intent accuracy
 * and the out-of-scope recall (Larson et al. 2019, CLINC150), with the threshold and how it was chosen.
 *
 * Options: --reject-rate R (default 0.005) · --similarity-reject-rate R (default 0.005) · --hold-out-every N (default 10) · --threshold T (fixed instead)
 * · --seed N (shuffling seed of the classifier's training, default 1) · --also-seeds N,M,… (after the main run,
 * train again with each seed on the same embeddings and print one line of figures per seed: how much they move)
 * · --classifier softmax|softmax-ensemble|discriminant · --ensemble-seeds N,M,… (members of softmax-ensemble, default 1–5)
 * · --store DIR (read the trained detector of this scope + options from DIR, else train and write it there:
 * {@link ScopeDetectorStore}) · --model NAME (default {@link SCOPE_EMBEDDING_MODEL}, all-MiniLM-L6-v2 ⊕ e5-small-v2; any `loadEmbeddingModel` name,
 * e.g. `all-minilm-l6-v2` alone for comparison) · --embedding-cache P (keep the vectors in the file `P.<model id>` across runs, e.g. under /tmp) · --predictions PATH · --json PATH. Exit 2 on bad input.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  ConcatenatedEmbeddingModel,
  isLocalModelName,
  LOCAL_MODELS,
  loadEmbeddingModel,
  type EmbeddingModel,
} from '@hub/embeddings';
import {
  DEFAULT_SCOPE_CLASSIFIER,
  SCOPE_EMBEDDING_MODEL,
  ScopeDetector,
  type ScopeDetectorOptions,
  type ScopeSignal,
} from '../detectors/scope-detector';
import { ScopeDetectorStore } from '../detectors/scope-detector-store';
import { fmt, oosMetrics } from './metrics';
import { EvalInputError, readJsonl } from './read-jsonl';

const ScopeLine = z.object({ text: z.string().min(1), intent: z.string().min(1) });
const DataLine = z
  .object({ text: z.string().min(1), label: z.enum(['in_scope', 'oos']), intent: z.string().nullish() })
  .refine((l) => l.label === 'oos' || !!l.intent, {
    message: 'is required for in_scope lines',
    path: ['intent'],
  });

function number(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new EvalInputError(`--${name}: not a number: ${v}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scope: { type: 'string' },
      data: { type: 'string' },
      'reject-rate': { type: 'string' },
      'similarity-reject-rate': { type: 'string' },
      'hold-out-every': { type: 'string' },
      threshold: { type: 'string' },
      seed: { type: 'string' },
      'also-seeds': { type: 'string' },
      model: { type: 'string', default: SCOPE_EMBEDDING_MODEL },
      predictions: { type: 'string' },
      json: { type: 'string' },
      'embedding-cache': { type: 'string' },
      classifier: { type: 'string', default: DEFAULT_SCOPE_CLASSIFIER },
      shrinkages: { type: 'string' },
      'ensemble-seeds': { type: 'string' },
      store: { type: 'string' },
    },
  });
  if (!values.scope) throw new EvalInputError('--scope <jsonl> is required');
  if (!values.data) throw new EvalInputError('--data <jsonl> is required');
  if (!values.model.split('+').every(isLocalModelName)) {
    throw new EvalInputError(
      `--model: unknown model ${values.model}; known: ${Object.keys(LOCAL_MODELS).join(', ')}, joined by "+"`,
    );
  }
  const classifier = values.classifier;
  if (classifier !== 'discriminant' && classifier !== 'softmax' && classifier !== 'softmax-ensemble') {
    throw new EvalInputError(
      `--classifier: unknown classifier ${classifier}; known: discriminant, softmax, softmax-ensemble`,
    );
  }
  const shrinkages = values.shrinkages
    ?.split(',')
    .map((x) => number('shrinkages', x) as number)
    .filter((x) => {
      if (!(x > 0 && x <= 1)) throw new EvalInputError(`--shrinkages: ${x} is not in (0, 1]`);
      return true;
    });
  const ensembleSeeds = values['ensemble-seeds']
    ?.split(',')
    .filter((x) => x.trim())
    .map((x) => number('ensemble-seeds', x) as number);
  if (ensembleSeeds && !ensembleSeeds.length) throw new EvalInputError('--ensemble-seeds: no seed given');
  if (ensembleSeeds && classifier !== 'softmax-ensemble') {
    throw new EvalInputError('--ensemble-seeds: only with --classifier softmax-ensemble');
  }
  const scope = readJsonl(values.scope, ScopeLine);
  const data = readJsonl(values.data, DataLine);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const cpuAtStart = (cpu0.user + cpu0.system) / 1e6;
  const alsoSeeds = (values['also-seeds'] ?? '')
    .split(',')
    .filter((x) => x.trim())
    .map((x) => number('also-seeds', x) as number);
  if (alsoSeeds.length && classifier === 'softmax-ensemble') {
    throw new EvalInputError(
      '--also-seeds: the ensemble trains its own seeds; run again with another --ensemble-seeds set instead',
    );
  }
  const loaded = await loadEmbeddingModel(values.model);
  const cachePath = values['embedding-cache'];
  // memoized per encoder, so a cache file serves every combination of the models it holds
  const memo = (m: EmbeddingModel) => new MemoizedModel(m, cachePath && `${cachePath}.${m.id}`);
  const model =
    loaded instanceof ConcatenatedEmbeddingModel
      ? new ConcatenatedEmbeddingModel(loaded.parts.map(memo))
      : memo(loaded);
  const options = (seed: number | undefined): ScopeDetectorOptions => ({
    rejectRate: number('reject-rate', values['reject-rate']),
    similarityRejectRate: number('similarity-reject-rate', values['similarity-reject-rate']),
    holdOutEvery: number('hold-out-every', values['hold-out-every']),
    threshold: number('threshold', values.threshold),
    training: seed === undefined ? undefined : { seed },
    classifier,
    shrinkages,
    ensembleSeeds,
  });
  const store = values.store ? new ScopeDetectorStore(values.store) : undefined;
  let source = 'trained';
  const train = async (seed: number | undefined) => {
    if (!store) return ScopeDetector.train(model, scope, options(seed));
    const r = await store.trainOrLoad(model, scope, options(seed));
    source =
      r.source === 'stored' ? `read from ${store.path(r.key)}` : `trained, stored in ${store.path(r.key)}`;
    return r.detector;
  };
  const measure = (preds: ScopeSignal[]) =>
    oosMetrics(
      data.map((d, i) => ({
        gold: d.label,
        goldIntent: d.intent ?? undefined,
        predictedInScope: preds[i].inScope,
        predictedIntent: preds[i].intent,
      })),
    );
  const detector = await train(number('seed', values.seed));
  const trained = performance.now();
  const cpuTrained = process.cpuUsage();
  const preds = await detector.classifyAll(data.map((d) => d.text));
  const m = measure(preds);
  const t = detector.thresholdChoice;
  console.log(`scope: ${values.scope} (${scope.length} examples, ${detector.intents.length} intents)`);
  console.log(`data: ${values.data} (${m.inScope} in_scope, ${m.oos} oos)`);
  console.log(
    `detector: ${classifier} classifier over ${model.id} embeddings; out of scope = top-intent probability < threshold or mean similarity to the nearest scope examples < similarity_threshold`,
  );
  console.log(
    `threshold=${t.threshold.toFixed(4)} similarity_threshold=${t.similarityThreshold.toFixed(4)} chosen by: ${t.method}`,
  );
  if (t.heldOut) {
    console.log(
      `held-out scope examples: ${t.heldOut}, intent accuracy ${fmt(t.heldOutAccuracy)} without / ` +
        `${fmt(t.heldOutAccuracyWithThreshold)} with the threshold`,
    );
  }
  console.log(
    `in_scope_accuracy=${fmt(m.inScopeAccuracy)} oos_recall=${fmt(m.oosRecall)} oos_precision=${fmt(m.oosPrecision)}`,
  );
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(
    `memory: rss ${rss.toFixed(0)} MiB after classification (models + ${scope.length} indexed examples)`,
  );
  console.log(
    `time: ${source === 'trained' ? 'training' : `detector ${source},`} ${((trained - started) / 1000).toFixed(1)} s ` +
      `(CPU ${((cpuTrained.user + cpuTrained.system) / 1e6 - cpuAtStart).toFixed(1)} s, load average ` +
      `${loadavg()[0].toFixed(1)}), ` +
      `classification ${((performance.now() - trained) / data.length).toFixed(2)} ms per line`,
  );
  for (const seed of alsoSeeds) {
    const d = await train(seed);
    const ms = measure(await d.classifyAll(data.map((x) => x.text)));
    console.log(
      `seed=${seed} threshold=${d.threshold.toFixed(4)} similarity_threshold=` +
        `${d.thresholdChoice.similarityThreshold.toFixed(4)} in_scope_accuracy=${fmt(ms.inScopeAccuracy)} ` +
        `oos_recall=${fmt(ms.oosRecall)}`,
    );
  }
  if (values.predictions) {
    writeFileSync(
      values.predictions,
      data.map((d, i) => JSON.stringify({ ...d, predicted: preds[i] })).join('\n') + '\n',
    );
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ ...m, threshold: t }, null, 2));
  await loaded.close();
}

/**
 * Embeds each distinct text once (for --also-seeds: every seed trains on the same vectors). With a file path
 * (--embedding-cache P; the file is `P.<model id>`, one per encoder of a concatenation), the vectors are also kept across runs: read at the first
 * embed, written back when new texts were embedded. Format: a JSON line `{id, dimensions, texts}`, then the
 * vectors as little-endian float32, one per text in that order. A file of another model or dimension is ignored.
 */
class MemoizedModel implements EmbeddingModel {
  private readonly cache = new Map<string, Float32Array>();
  private loaded = false;
  constructor(
    private readonly inner: EmbeddingModel,
    private readonly file?: string,
  ) {}
  get id(): string {
    return this.inner.id;
  }
  get dimensions(): number {
    return this.inner.dimensions;
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.readFile();
    const missing = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    if (missing.length) {
      const vectors = await this.inner.embed(missing);
      missing.forEach((t, i) => this.cache.set(t, vectors[i]));
      this.writeFile();
    }
    return texts.map((t) => this.cache.get(t) as Float32Array);
  }

  private readFile(): void {
    if (this.loaded || !this.file) return;
    this.loaded = true;
    if (!existsSync(this.file)) return;
    const buf = readFileSync(this.file);
    const nl = buf.indexOf(10);
    const head = JSON.parse(buf.subarray(0, nl).toString('utf8')) as {
      id: string;
      dimensions: number;
      texts: string[];
    };
    if (head.id !== this.inner.id || head.dimensions !== this.inner.dimensions) return;
    const body = buf.subarray(nl + 1);
    const all = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    if (all.length !== head.texts.length * head.dimensions) return;
    head.texts.forEach((t, i) =>
      this.cache.set(t, all.subarray(i * head.dimensions, (i + 1) * head.dimensions)),
    );
  }

  private writeFile(): void {
    if (!this.file) return;
    const texts = [...this.cache.keys()];
    const dims = this.inner.dimensions;
    const all = new Float32Array(texts.length * dims);
    texts.forEach((t, i) => all.set(this.cache.get(t) as Float32Array, i * dims));
    const head = Buffer.from(JSON.stringify({ id: this.inner.id, dimensions: dims, texts }) + '\n', 'utf8');
    writeFileSync(this.file, Buffer.concat([head, Buffer.from(all.buffer)]));
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof EvalInputError ? `eval:oos: ${e.message}` : e);
  process.exit(e instanceof EvalInputError ? 2 : 1);
});
