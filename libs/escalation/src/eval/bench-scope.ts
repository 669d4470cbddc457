/**
 * Cost of one scope decision with {@link SCOPE_EMBEDDING_MODEL} (all-MiniLM-L6-v2 ⊕ e5-small-v2), for
 * docs/escalation-detection.md: model load time, RSS, ms per utterance of each encoder and of the pair (one text per
 * call, as a decision embeds one turn), and ms of the classifier + nearest-neighbour scan over an index of N scope
 * examples. The index holds random unit vectors (only its size matters for the scan's cost), so this measures
 * time and memory, never accuracy.
 *
 * `node --require @swc-node/register libs/escalation/src/eval/bench-scope.ts --data <jsonl of {text}> [--n 200]
 * [--index 15000]`. Wall-clock figures: on a shared machine, read them with its load average.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { l2Normalize, type ConcatenatedEmbeddingModel, type EmbeddingModel } from '@hub/embeddings';
import { loadScopeEmbeddingModel, ScopeDetector } from '../detectors/scope-detector';

const mib = () => (process.memoryUsage().rss / 2 ** 20).toFixed(0);

/** Wall-clock and CPU (user + system, this process's threads) ms per call of `f`. */
async function timed(n: number, f: (i: number) => unknown): Promise<string> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await f(i);
  const c = process.cpuUsage(c0);
  return `${((performance.now() - t0) / n).toFixed(1)} ms wall, ${((c.user + c.system) / 1000 / n).toFixed(1)} ms CPU`;
}

const perText = (model: EmbeddingModel, texts: string[]) =>
  timed(texts.length, (i) => model.embed([texts[i]]));

/** Random unit vectors for the index (training cost and accuracy are not measured here). */
class RandomModel implements EmbeddingModel {
  readonly id = 'random';
  constructor(readonly dimensions: number) {}
  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map(() =>
      l2Normalize(Float32Array.from({ length: this.dimensions }, () => Math.random() - 0.5)),
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      n: { type: 'string', default: '200' },
      index: { type: 'string', default: '15000' },
    },
  });
  if (!values.data) throw new Error('--data <jsonl> is required');
  const texts = readFileSync(values.data, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, Number(values.n))
    .map((l) => (JSON.parse(l) as { text: string }).text);
  console.log(
    `load average before: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; rss ${mib()} MiB`,
  );
  const t0 = performance.now();
  const pair = (await loadScopeEmbeddingModel()) as ConcatenatedEmbeddingModel;
  console.log(`loaded ${pair.id} in ${((performance.now() - t0) / 1000).toFixed(1)} s; rss ${mib()} MiB`);
  await perText(pair, texts.slice(0, 10)); // warm-up
  const [miniLm, e5] = pair.parts;
  console.log(`ms per utterance (one text per call, ${texts.length} texts):`);
  console.log(`  ${miniLm.id}: ${await perText(miniLm, texts)}`);
  console.log(`  ${e5.id}: ${await perText(e5, texts)}`);
  console.log(`  ${pair.id}: ${await perText(pair, texts)}`);
  const size = Number(values.index);
  const intents = 150;
  const fake = new RandomModel(pair.dimensions);
  const examples = Array.from({ length: size }, (_, i) => ({ text: String(i), intent: `i${i % intents}` }));
  const detector = await ScopeDetector.train(fake, examples, { threshold: 0.5, similarityThreshold: 0.5 });
  const [v] = await fake.embed(['x']);
  const scan = await timed(200, () => detector.classifyVector(v));
  console.log(
    `classifier + 3-nearest scan over ${size} × ${pair.dimensions} (${intents} intents): ${scan} per utterance; ` +
      `rss ${mib()} MiB`,
  );
  console.log(
    `load average after: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  await pair.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
