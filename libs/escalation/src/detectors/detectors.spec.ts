import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultModelsDir, OnnxSentenceEmbedder, type EmbeddingModel } from '@hub/embeddings';
import { decide } from '../decide';
import { evaluateRules, parseRules } from '../rules/rules';
import { NEEDS_HUMAN_CLASSES, PrototypeDetector } from './prototype-detector';
import { loadScopeEmbeddingModel, SCOPE_EMBEDDING_MODEL, ScopeDetector } from './scope-detector';

// Real model, real utterances (test/fixtures, sampled from ../shared/data with their licences).
const fixture = <T>(name: string): T[] =>
  readFileSync(join(__dirname, '../../test/fixtures', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

let model: OnnxSentenceEmbedder;
beforeAll(async () => {
  model = await OnnxSentenceEmbedder.loadMiniLm('all-minilm-l6-v2');
});
afterAll(() => model.close());

describe('PrototypeDetector', () => {
  let detector: PrototypeDetector;
  beforeAll(async () => {
    detector = await PrototypeDetector.create(model);
  });
  const needsHuman = (signals: Awaited<ReturnType<PrototypeDetector['detect']>>) =>
    signals.some((s) => s.fired && NEEDS_HUMAN_CLASSES.includes(s.class));

  it('flags Bitext requests for a human and complaints, not its ordinary requests', async () => {
    const rows = fixture<{ text: string; label: string }>('escalation-bitext.jsonl');
    const signals = await detector.detectAll(rows.map((r) => r.text));
    const wrong = rows.filter((r, i) => needsHuman(signals[i]) !== (r.label === 'escalate'));
    expect(wrong.map((r) => r.text)).toEqual([]);
  });

  it('does not escalate ordinary customer turns of another domain (DSTC11 hotels/restaurants)', async () => {
    const rows = fixture<{ text: string }>('none-dstc11.jsonl');
    const signals = await detector.detectAll(rows.map((r) => r.text));
    expect(rows.filter((_, i) => signals[i].some((s) => s.fired)).map((r) => r.text)).toEqual([]);
  });

  it('explains a firing with score, threshold, margin and the nearest prototype', async () => {
    // Bitext contact_human_agent utterance.
    const signals = await detector.detect("you aren't helpful, I want to speak to a bloody assistant");
    const human = signals.find((s) => s.class === 'human_request');
    expect(human).toMatchObject({ fired: true, threshold: 0.3, margin: 0.1 });
    expect(human!.score).toBeGreaterThanOrEqual(0.3);
    expect(human!.score - human!.ordinaryScore).toBeGreaterThanOrEqual(0.1);
    expect(typeof human!.evidence).toBe('string');
    expect(human!.evidence.length).toBeGreaterThan(0);
  });

  it('detects sensitive advice and frustration as their own classes', async () => {
    const fired = async (t: string) => (await detector.detect(t)).filter((s) => s.fired).map((s) => s.class);
    expect(await fired('should I put all my retirement savings into bitcoin')).toContain('financial_advice');
    expect(await fired('is it safe to take ibuprofen with my blood pressure pills')).toContain(
      'medical_advice',
    );
    expect(await fired('I am going to sue your company over this contract')).toContain('legal_advice');
    expect(await fired('this is useless, I have asked three times and you still do not get it')).toContain(
      'frustration',
    );
  });

  it('honours disabled classes and per-class thresholds', async () => {
    const strict = await PrototypeDetector.create(model, {
      classes: { human_request: { threshold: 0.99 }, complaint: { enabled: false } },
    });
    const signals = await strict.detect('I want to talk to a human');
    expect(signals.find((s) => s.class === 'human_request')).toMatchObject({ fired: false, threshold: 0.99 });
    expect(signals.some((s) => s.class === 'complaint')).toBe(false);
  });
});

describe('ScopeDetector', () => {
  let detector: ScopeDetector;
  let scopeModel: EmbeddingModel & { close(): Promise<void> };
  beforeAll(async () => {
    scopeModel = await loadScopeEmbeddingModel();
    detector = await ScopeDetector.train(scopeModel, fixture('oos-scope.jsonl'), {
      training: { epochs: 30 },
    });
  });
  afterAll(() => scopeModel.close());

  it('runs over all-MiniLM-L6-v2 ⊕ e5-small-v2, both required', async () => {
    expect(scopeModel.id).toBe(SCOPE_EMBEDDING_MODEL);
    expect(scopeModel.dimensions).toBe(768);
    // a models folder with MiniLM but without e5: no MiniLM-only fallback, the error names e5's file
    const onlyMiniLm = mkdtempSync(join(tmpdir(), 'models-'));
    symlinkSync(join(defaultModelsDir(), 'all-minilm-l6-v2'), join(onlyMiniLm, 'all-minilm-l6-v2'));
    await expect(loadScopeEmbeddingModel({ modelsDir: onlyMiniLm })).rejects.toThrow(
      /e5-small-v2-q\/model\.onnx not found: run `bash tools\/models\/fetch-models\.sh`/,
    );
    rmSync(onlyMiniLm, { recursive: true });
  });

  it('chooses the threshold on scope examples held out of training and says how', () => {
    const t = detector.thresholdChoice;
    expect(detector.intents).toHaveLength(6);
    expect(t.heldOut).toBe(12); // every 10th of 20 examples per intent
    expect(t.threshold).toBeGreaterThan(0);
    expect(t.threshold).toBeLessThan(1);
    expect(t.method).toContain('held out of training');
  });

  it('gives CLINC150 validation utterances their intent and rejects most out-of-scope ones', async () => {
    const rows = fixture<{ text: string; label: string; intent: string | null }>('oos-data.jsonl');
    const preds = await detector.classifyAll(rows.map((r) => r.text));
    const ins = rows.map((r, i) => ({ r, p: preds[i] })).filter((x) => x.r.label === 'in_scope');
    expect(ins.filter((x) => x.p.intent === x.r.intent).length).toBeGreaterThanOrEqual(ins.length - 1);
    const oos = rows.map((r, i) => ({ r, p: preds[i] })).filter((x) => x.r.label === 'oos');
    expect(oos.filter((x) => !x.p.inScope).length).toBeGreaterThanOrEqual(4);
    for (const p of preds)
      expect(p.inScope).toBe(p.score >= p.threshold && p.similarity >= p.similarityThreshold);
  });

  it('refuses a scope of one intent', async () => {
    await expect(ScopeDetector.train(scopeModel, [{ text: 'hi', intent: 'greet' }])).rejects.toThrow(
      'at least two intents',
    );
  });
});

describe('rules beat the model', () => {
  it('escalates a turn the model finds ordinary when a fraud rule fires, forcing its path', async () => {
    const detector = await PrototypeDetector.create(model);
    // CLINC150 in-scope utterance (intent report_fraud): ordinary for the model.
    const text = 'i need to report fraudulent activity on my card';
    const classes = await detector.detect(text);
    const rules = parseRules([
      {
        id: 'fraud',
        kind: 'keyword',
        keywords: ['fraud', 'fraudulent'],
        category: 'fraud',
        path: 'live_agent',
      },
    ]);
    const d = decide({ classes, rules: evaluateRules(rules, { text }) });
    expect(d).toMatchObject({ escalate: true, decidedBy: 'regulated_rule', forcedPath: 'live_agent' });
    expect(d.reasons[0]).toMatchObject({ signal: 'rule', ruleId: 'fraud', category: 'fraud' });
  });
});
