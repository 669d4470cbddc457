import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddingModel } from '@hub/embeddings';
import { loadScopeEmbeddingModel, ScopeDetector, type ScopeExample } from './scope-detector';
import { ScopeDetectorStore } from './scope-detector-store';

// Real models, real CLINC150 utterances (test/fixtures); the store writes real files in a temporary folder.
const fixture = <T>(name: string): T[] =>
  readFileSync(join(__dirname, '../../test/fixtures', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

/** Counts the texts the real model embeds (a stored detector must embed no scope example). */
class CountingModel implements EmbeddingModel {
  embedded = 0;
  constructor(private readonly inner: EmbeddingModel) {}
  get id() {
    return this.inner.id;
  }
  get dimensions() {
    return this.inner.dimensions;
  }
  embed(texts: string[]) {
    this.embedded += texts.length;
    return this.inner.embed(texts);
  }
}

describe('ScopeDetectorStore', () => {
  const scope = fixture<ScopeExample>('oos-scope.jsonl');
  const rows = fixture<{ text: string }>('oos-data.jsonl').map((r) => r.text);
  let model: EmbeddingModel & { close(): Promise<void> };
  let dir: string;
  beforeAll(async () => {
    model = await loadScopeEmbeddingModel();
    dir = mkdtempSync(join(tmpdir(), 'scope-store-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await model.close();
  });

  it.each([
    ['softmax-ensemble', { classifier: 'softmax-ensemble', ensembleSeeds: [1, 2], training: { epochs: 10 } }],
    ['discriminant', { classifier: 'discriminant' }],
    ['softmax', { classifier: 'softmax', training: { epochs: 10, seed: 3 } }],
  ] as const)(
    'stores a trained %s detector and reads it back without embedding the scope: same decisions',
    async (_kind, options) => {
      const counting = new CountingModel(model);
      const store = new ScopeDetectorStore(dir);
      const first = await store.trainOrLoad(counting, scope, { ...options });
      expect(first.source).toBe('trained');
      expect(existsSync(store.path(first.key))).toBe(true);
      expect(counting.embedded).toBe(scope.length);

      const again = new CountingModel(model);
      const second = await new ScopeDetectorStore(dir).trainOrLoad(again, scope, { ...options });
      expect(second.source).toBe('stored');
      expect(second.key).toBe(first.key);
      expect(again.embedded).toBe(0);
      expect(second.detector.thresholdChoice).toEqual(first.detector.thresholdChoice);
      expect(second.detector.intents).toEqual(first.detector.intents);
      // every decision, score and similarity equal
      expect(await second.detector.classifyAll(rows)).toEqual(await first.detector.classifyAll(rows));
    },
  );

  it('keys on the scope, the options and the model: any change trains anew', () => {
    const k = ScopeDetectorStore.key(model.id, scope, { classifier: 'softmax' });
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(ScopeDetectorStore.key(model.id, scope, { classifier: 'softmax', rejectRate: undefined })).toBe(k);
    const edited = scope.map((e, i) => (i === 7 ? { ...e, text: `${e.text}!` } : e));
    expect(ScopeDetectorStore.key(model.id, edited, { classifier: 'softmax' })).not.toBe(k);
    const relabelled = scope.map((e, i) => (i === 7 ? { ...e, intent: 'other' } : e));
    expect(ScopeDetectorStore.key(model.id, relabelled, { classifier: 'softmax' })).not.toBe(k);
    expect(ScopeDetectorStore.key(model.id, scope, { classifier: 'discriminant' })).not.toBe(k);
    expect(ScopeDetectorStore.key('all-minilm-l6-v2', scope, { classifier: 'softmax' })).not.toBe(k);
  });

  it('treats a damaged file as absent: trains again and overwrites it', async () => {
    const store = new ScopeDetectorStore(dir);
    const options = { classifier: 'discriminant' } as const;
    const key = ScopeDetectorStore.key(model.id, scope, options);
    writeFileSync(store.path(key), '{"format":1,"key":"x"}\n');
    expect(await store.load(model, key)).toBeNull();
    const r = await store.trainOrLoad(model, scope, options);
    expect(r.source).toBe('trained');
    expect(await store.load(model, key)).toBeInstanceOf(ScopeDetector);
    // truncated: the header promises more bytes than the file has
    const whole = readFileSync(store.path(key));
    writeFileSync(store.path(key), whole.subarray(0, whole.length - 100));
    expect(await store.load(model, key)).toBeNull();
  });

  it('refuses a stored detector of another embedding model', async () => {
    const store = new ScopeDetectorStore(dir);
    const r = await store.trainOrLoad(model, scope, { classifier: 'discriminant' });
    const other: EmbeddingModel = { id: 'all-minilm-l6-v2', dimensions: 384, embed: async () => [] };
    expect(() => ScopeDetector.fromSnapshot(other, r.detector.toSnapshot())).toThrow(
      'is for model all-minilm-l6-v2+e5-small-v2-q, not all-minilm-l6-v2',
    );
    expect(await store.load(other, r.key)).toBeNull();
  });
});
