/**
 * @jest-environment ../../../libs/embeddings/test/onnx-jest-environment.js
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcatenatedEmbeddingModel, cosine, defaultModelsDir } from '@hub/embeddings';
import { SCOPE_EMBEDDING_MODEL, ScopeDetectorStore } from '@hub/escalation';
import { EscalationConfigSchema } from './escalation-config';
import { EscalationModels } from './escalation-models';

// Real models (tools/models/fetch-models.sh, run by `npm test`).
describe('EscalationModels start-up', () => {
  it('fails the start naming the missing e5 files and the fetch command (no MiniLM-only fallback)', () => {
    const onlyMiniLm = mkdtempSync(join(tmpdir(), 'models-'));
    const before = process.env['HUB_MODELS_DIR'];
    try {
      symlinkSync(join(defaultModelsDir(), 'all-minilm-l6-v2'), join(onlyMiniLm, 'all-minilm-l6-v2'));
      process.env['HUB_MODELS_DIR'] = onlyMiniLm;
      const models = new EscalationModels({ model: 'all-minilm-l6-v2', scopeTrainingWaitMs: 0 });
      expect(() => models.onApplicationBootstrap()).toThrow(
        `${onlyMiniLm}/e5-small-v2-q/model.onnx, ${onlyMiniLm}/e5-small-v2-q/tokenizer.json not found: ` +
          'run `bash tools/models/fetch-models.sh` first',
      );
    } finally {
      if (before === undefined) delete process.env['HUB_MODELS_DIR'];
      else process.env['HUB_MODELS_DIR'] = before;
      rmSync(onlyMiniLm, { recursive: true });
    }
  });

  it('loads both models at start; the scope model is MiniLM ⊕ e5 sharing the detectors’ MiniLM', async () => {
    const models = new EscalationModels({ model: 'all-minilm-l6-v2', scopeTrainingWaitMs: 0 });
    try {
      models.onApplicationBootstrap();
      const scope = await models.scopeModel();
      const miniLm = await models.model();
      expect(scope).toBeInstanceOf(ConcatenatedEmbeddingModel);
      expect(scope.id).toBe(SCOPE_EMBEDDING_MODEL);
      expect(scope.dimensions).toBe(768);
      expect((scope as ConcatenatedEmbeddingModel).parts[0]).toBe(miniLm);
      const [a, b] = await scope.embed([
        'what is my bank balance',
        'how much money is in my checking account',
      ]);
      expect(cosine(a, a)).toBeCloseTo(1, 5);
      expect(cosine(a, b)).toBeGreaterThan(0.6);
    } finally {
      await models.onModuleDestroy();
    }
  });

  it('embeds a turn with MiniLM once for both detectors, the scope vector equal to the scope model’s', async () => {
    const models = new EscalationModels({ model: 'all-minilm-l6-v2', scopeTrainingWaitMs: 0 });
    try {
      const text = 'I want to speak to a manager about my refund';
      const scope = await models.scopeModel();
      const [miniLm, e5] = scope.parts;
      const calls = { miniLm: 0, e5: 0 };
      const count = (m: typeof miniLm, key: keyof typeof calls) => {
        const embed = m.embed.bind(m);
        jest.spyOn(m, 'embed').mockImplementation((texts: string[]) => {
          calls[key] += texts.length;
          return embed(texts);
        });
      };
      const [expected] = await scope.embed([text]);
      const [expectedMiniLm] = await miniLm.embed([text]);
      count(miniLm, 'miniLm');
      count(e5, 'e5');
      const turn = models.turnEmbeddings(text);
      const [detectorVector, scopeVector] = await Promise.all([turn.detectors(), turn.scope()]);
      expect(calls).toEqual({ miniLm: 1, e5: 1 });
      expect(Array.from(detectorVector)).toEqual(Array.from(expectedMiniLm));
      expect(scopeVector).toHaveLength(768);
      Array.from(expected).forEach((x, d) => expect(scopeVector[d]).toBeCloseTo(x, 6));
    } finally {
      await models.onModuleDestroy();
    }
  });
});

describe('EscalationModels scope detector store (ESCALATION_SCOPE_STORE_DIR)', () => {
  it('writes the trained detector per scope hash; a restarted service reads it instead of training', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scope-store-'));
    const examples = readFileSync(
      join(__dirname, '../../../../libs/escalation/test/fixtures/oos-scope.jsonl'),
      'utf8',
    )
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { text: string; intent: string });
    const config = EscalationConfigSchema.parse({ scope: { examples } });
    const options = { model: 'all-minilm-l6-v2', scopeTrainingWaitMs: 600_000, scopeStoreDir: dir } as const;
    const first = new EscalationModels(options);
    const second = new EscalationModels(options);
    try {
      const trained = await first.scopeDetector('t1', 1, config);
      const files = readdirSync(dir).filter((f) => f.endsWith('.scope-detector'));
      expect(files).toEqual([
        `${ScopeDetectorStore.key(SCOPE_EMBEDDING_MODEL, examples, { rejectRate: undefined, similarityRejectRate: undefined })}.scope-detector`,
      ]);
      // the second instance (a restart) must not embed the scope: count the texts its models embed
      const scope = await second.scopeModel();
      let embedded = 0;
      for (const part of scope.parts) {
        const embed = part.embed.bind(part);
        part.embed = (texts: string[]) => ((embedded += texts.length), embed(texts));
      }
      const stored = await second.scopeDetector('t1', 1, config);
      expect(embedded).toBe(0);
      expect(stored?.thresholdChoice).toEqual(trained?.thresholdChoice);
      const turn = 'how do i reset my pin number';
      expect(await stored?.classify(turn)).toEqual(await trained?.classify(turn));
    } finally {
      await first.onModuleDestroy();
      await second.onModuleDestroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
