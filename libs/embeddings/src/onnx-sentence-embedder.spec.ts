import { cosine, type EmbeddingModel } from './embedding-model';
import { OnnxSentenceEmbedder } from './onnx-sentence-embedder';

// Real model (fetched by tools/models/fetch-models.sh, which `npm test` runs first); no network here.
describe.each(['all-minilm-l6-v2-q', 'all-minilm-l6-v2'] as const)('OnnxSentenceEmbedder %s', (variant) => {
  let model: OnnxSentenceEmbedder;
  beforeAll(async () => {
    // The quantized export quantizes activations dynamically (one scale per batch tensor), so its vectors move
    // with the batch's other texts (cosine ≈ 0.97–0.99 to the single-text vector): it is used one text per run.
    model = await OnnxSentenceEmbedder.loadMiniLm(variant, {
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
    expect(cosine(a, b)).toBeGreaterThan(0.6);
    expect(cosine(c, d)).toBeGreaterThan(0.5);
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c) + 0.3);
    expect(cosine(c, d)).toBeGreaterThan(cosine(b, d) + 0.3);
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
});

describe('OnnxSentenceEmbedder.load', () => {
  it('names the missing file and the script that installs it', async () => {
    await expect(OnnxSentenceEmbedder.load({ modelDir: '/nonexistent/model' })).rejects.toThrow(
      /model\.onnx not found: run `bash tools\/models\/fetch-models.sh`/,
    );
  });
});
