import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertEmbeddingModelPresent,
  ConcatenatedEmbeddingModel,
  loadEmbeddingModel,
} from './concatenated-embedding-model';
import { cosine, type EmbeddingModel } from './embedding-model';
import { defaultModelsDir, OnnxSentenceEmbedder } from './onnx-sentence-embedder';

// Real models (fetched by tools/models/fetch-models.sh, which `npm test` runs first); no network here.
// e5-small-v2's cosines are compressed (unrelated CLINC150 sentences ≈ 0.75, paraphrases ≈ 0.95), so the
// paraphrase margins are per model.
const MARGIN = {
  'all-minilm-l6-v2-q': 0.3,
  'all-minilm-l6-v2': 0.3,
  'e5-small-v2-q': 0.1,
};
const FLOOR = {
  'all-minilm-l6-v2-q': 0.5,
  'all-minilm-l6-v2': 0.5,
  'e5-small-v2-q': 0.9,
};
describe.each(['all-minilm-l6-v2-q', 'all-minilm-l6-v2', 'e5-small-v2-q'] as const)(
  'OnnxSentenceEmbedder %s',
  (variant) => {
    let model: OnnxSentenceEmbedder;
    beforeAll(async () => {
      // The quantized export quantizes activations dynamically (one scale per batch tensor), so its vectors move
      // with the batch's other texts (cosine ≈ 0.97–0.99 to the single-text vector): it is used one text per run.
      model = await OnnxSentenceEmbedder.loadLocal(variant, {
        batchSize: variant === 'all-minilm-l6-v2' ? 4 : 1,
      });
    });
    afterAll(() => model.close());

    it('is an EmbeddingModel of 384 unit-length dimensions', async () => {
      const m: EmbeddingModel = model;
      expect(m.id).toBe(variant);
      expect(m.dimensions).toBe(384);
      const [v] = await m.embed(['how do I reset my password']);
      expect(v).toHaveLength(384);
      expect(cosine(v, v)).toBeCloseTo(1, 5);
    });

    it('puts paraphrases closer than unrelated sentences', async () => {
      // Utterances from ../shared/data/out-of-scope/scope.jsonl (CLINC150, CC-BY-3.0).
      const [a, b, c, d] = await model.embed([
        'how would you say fly in italian',
        'what is the italian word for fly',
        'what is my bank balance',
        'how much money do i have in my checking account',
      ]);
      expect(cosine(a, b)).toBeGreaterThan(FLOOR[variant]);
      expect(cosine(c, d)).toBeGreaterThan(FLOOR[variant]);
      expect(cosine(a, b)).toBeGreaterThan(cosine(a, c) + MARGIN[variant]);
      expect(cosine(c, d)).toBeGreaterThan(cosine(b, d) + MARGIN[variant]);
    });

    it('gives the same vector alone and in a padded batch, and on every call', async () => {
      const texts = [
        'i need to speak with a real person right now, this bot is useless',
        'hi',
        'can you tell me the opening hours of the hotel restaurant on sundays please',
        'cancel my order',
        'refund',
      ];
      const batched = await model.embed(texts);
      const again = await model.embed(texts);
      for (let i = 0; i < texts.length; i++) {
        const [single] = await model.embed([texts[i]]);
        expect(cosine(single, batched[i])).toBeGreaterThan(0.99999);
        expect(Array.from(again[i])).toEqual(Array.from(batched[i]));
      }
    });

    it('truncates long texts instead of failing', async () => {
      const [v] = await model.embed(['refund '.repeat(2000)]);
      expect(v).toHaveLength(384);
      expect(Number.isFinite(v[0])).toBe(true);
    });

    it('returns no vectors for no texts', async () => {
      expect(await model.embed([])).toEqual([]);
    });
  },
);

describe('OnnxSentenceEmbedder.load', () => {
  it('names the missing file and the script that installs it', async () => {
    await expect(OnnxSentenceEmbedder.load({ modelDir: '/nonexistent/model' })).rejects.toThrow(
      /model\.onnx not found: run `bash tools\/models\/fetch-models.sh`/,
    );
  });
});

describe('e5-small-v2 "query: " prefix (model card: every input of a symmetric / feature use)', () => {
  it('embeds "query: " + text, not the bare text', async () => {
    const e5 = await OnnxSentenceEmbedder.loadLocal('e5-small-v2-q');
    const bare = await OnnxSentenceEmbedder.loadLocal('e5-small-v2-q', { prefix: '' });
    try {
      const [withPrefix] = await e5.embed(['what is my bank balance']);
      const [manual] = await bare.embed(['query: what is my bank balance']);
      const [unprefixed] = await bare.embed(['what is my bank balance']);
      expect(cosine(withPrefix, manual)).toBeGreaterThan(0.99999);
      expect(cosine(withPrefix, unprefixed)).toBeLessThan(0.995);
    } finally {
      await Promise.all([e5.close(), bare.close()]);
    }
  });
});

describe('ConcatenatedEmbeddingModel / loadEmbeddingModel', () => {
  let pair: ConcatenatedEmbeddingModel;
  let miniLm: OnnxSentenceEmbedder;
  let e5: OnnxSentenceEmbedder;
  beforeAll(async () => {
    pair = (await loadEmbeddingModel('all-minilm-l6-v2+e5-small-v2-q')) as ConcatenatedEmbeddingModel;
    [miniLm, e5] = pair.parts as OnnxSentenceEmbedder[];
  });
  afterAll(() => pair.close());

  it('concatenates each part’s unit vector ×1/√2: unit length, cosine = mean of the parts’ cosines', async () => {
    expect(pair).toBeInstanceOf(ConcatenatedEmbeddingModel);
    expect(pair.id).toBe('all-minilm-l6-v2+e5-small-v2-q');
    expect(pair.dimensions).toBe(768);
    const texts = ['what is my bank balance', 'how much money do i have in my checking account'];
    const [p, q] = await pair.embed(texts);
    const [m1, m2] = await miniLm.embed(texts);
    const [e1, e2] = await e5.embed(texts);
    expect(p).toHaveLength(768);
    expect(cosine(p, p)).toBeCloseTo(1, 5);
    expect(p[0]).toBeCloseTo(m1[0] / Math.SQRT2, 6);
    expect(p[384]).toBeCloseTo(e1[0] / Math.SQRT2, 6);
    expect(cosine(p, q)).toBeCloseTo((cosine(m1, m2) + cosine(e1, e2)) / 2, 5);
    expect(await pair.embed([])).toEqual([]);
    // combine(): the same vector from vectors a caller already has (no second MiniLM run)
    const combined = pair.combine([m1, e1]);
    Array.from(p).forEach((x, d) => expect(combined[d]).toBeCloseTo(x, 6));
    expect(() => pair.combine([m1])).toThrow('expected 2 part vectors');
    expect(() => pair.combine([m1, e1.subarray(1)])).toThrow('e5-small-v2-q: vector has 383 dimensions');
  });

  it('loads one model by name, and refuses unknown names listing the known ones', async () => {
    const one = await loadEmbeddingModel('all-minilm-l6-v2-q');
    expect(one.id).toBe('all-minilm-l6-v2-q');
    await one.close();
    await expect(loadEmbeddingModel('all-minilm-l6-v2+bert-base')).rejects.toThrow(
      'unknown embedding model "bert-base"; known: all-minilm-l6-v2, all-minilm-l6-v2-q, e5-small-v2-q',
    );
  });

  it('checks the files without loading, naming each missing file and the fetch command', () => {
    expect(() => assertEmbeddingModelPresent('all-minilm-l6-v2+e5-small-v2-q')).not.toThrow();
    const onlyMiniLm = mkdtempSync(join(tmpdir(), 'models-'));
    try {
      symlinkSync(join(defaultModelsDir(), 'all-minilm-l6-v2'), join(onlyMiniLm, 'all-minilm-l6-v2'));
      expect(() => assertEmbeddingModelPresent('all-minilm-l6-v2+e5-small-v2-q', onlyMiniLm)).toThrow(
        `${onlyMiniLm}/e5-small-v2-q/model.onnx, ${onlyMiniLm}/e5-small-v2-q/tokenizer.json not found: ` +
          'run `bash tools/models/fetch-models.sh` first',
      );
    } finally {
      rmSync(onlyMiniLm, { recursive: true });
    }
  });
});
