import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// Runs the two evaluation commands as `npm run eval:*` does, on the fixtures (real model), and checks that the
// printed figures are the ones computed by hand from the per-line predictions the command wrote.
const run = promisify(execFile);
const root = resolve(__dirname, '../../../..');
const fixtures = resolve(__dirname, '../../test/fixtures');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eval-escalation-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function command(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(
      'node',
      ['--require', '@swc-node/register', `libs/escalation/src/eval/${script}`, ...args],
      {
        cwd: root,
        timeout: 240_000,
      },
    );
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const printed = (out: string, name: string): string => {
  const m = new RegExp(`${name}=(\\S+)`).exec(out);
  if (!m) throw new Error(`${name} not printed in:\n${out}`);
  return m[1];
};
const lines = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

describe('npm run eval:escalation', () => {
  it('prints precision, recall and F1 matching the predictions (Bitext fixture)', async () => {
    const predictions = join(dir, 'esc.jsonl');
    const r = await command('eval-escalation.ts', [
      '--data',
      join(fixtures, 'escalation-bitext.jsonl'),
      '--predictions',
      predictions,
    ]);
    expect(r.code).toBe(0);
    const p = lines<{ label: string; predicted: boolean }>(predictions);
    expect(p).toHaveLength(20);
    const tp = p.filter((x) => x.label === 'escalate' && x.predicted).length;
    const fp = p.filter((x) => x.label === 'none' && x.predicted).length;
    const fn = p.filter((x) => x.label === 'escalate' && !x.predicted).length;
    expect(r.stdout).toContain(`tp=${tp} fp=${fp} fn=${fn} tn=${20 - tp - fp - fn}`);
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    expect(printed(r.stdout, 'precision')).toBe(precision.toFixed(4));
    expect(printed(r.stdout, 'recall')).toBe(recall.toFixed(4));
    expect(printed(r.stdout, 'f1')).toBe(((2 * precision * recall) / (precision + recall)).toFixed(4));
    // The detector itself works on this sample: 8 escalations, 12 ordinary requests.
    expect(tp).toBeGreaterThanOrEqual(7);
    expect(fp).toBeLessThanOrEqual(1);
  }, 300_000);

  it('prints the false-escalation rate of a file of only "none" lines (DSTC11 fixture)', async () => {
    const predictions = join(dir, 'none.jsonl');
    const r = await command('eval-escalation.ts', [
      '--data',
      join(fixtures, 'none-dstc11.jsonl'),
      '--predictions',
      predictions,
    ]);
    expect(r.code).toBe(0);
    const flagged = lines<{ predicted: boolean }>(predictions).filter((x) => x.predicted).length;
    expect(printed(r.stdout, 'false_escalation_rate')).toBe((flagged / 12).toFixed(4));
    expect(r.stdout).toContain(`(${flagged} of 12 none lines)`);
    expect(printed(r.stdout, 'recall')).toBe('n/a');
    expect(flagged).toBe(0);
  }, 300_000);

  it('exits 2 naming the line and field of bad input', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"text":"hi","label":"none"}\n{"text":"hello","label":"maybe"}\n');
    const r = await command('eval-escalation.ts', ['--data', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2: label:`);
  }, 60_000);
});

describe('npm run eval:oos', () => {
  it('prints the threshold, how it was chosen, in-scope accuracy and OOS recall matching the predictions', async () => {
    const predictions = join(dir, 'oos.jsonl');
    const r = await command('eval-oos.ts', [
      '--scope',
      join(fixtures, 'oos-scope.jsonl'),
      '--data',
      join(fixtures, 'oos-data.jsonl'),
      '--predictions',
      predictions,
      '--classifier',
      'softmax',
      '--also-seeds',
      '2',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^seed=2 threshold=0\.\d{4} similarity_threshold=0\.\d{4} in_scope_accuracy=\d\.\d{4} oos_recall=\d\.\d{4}$/m,
    );
    expect(r.stdout).toMatch(
      /threshold=0\.\d{4} similarity_threshold=0\.\d{4} chosen by: softmax regression \(mini-batch Adam, seed 1\); quantile 0\.005 of .* held out of training/,
    );
    expect(r.stdout).toContain('held-out scope examples: 12');
    expect(r.stdout).toContain('softmax classifier over all-minilm-l6-v2+e5-small-v2-q embeddings');
    expect(r.stdout).toMatch(/memory: rss \d+ MiB/);
    const p = lines<{
      label: string;
      intent: string | null;
      predicted: { inScope: boolean; intent: string };
    }>(predictions);
    const ins = p.filter((x) => x.label === 'in_scope');
    const oos = p.filter((x) => x.label === 'oos');
    expect([ins.length, oos.length]).toEqual([12, 6]);
    const acc = ins.filter((x) => x.predicted.inScope && x.predicted.intent === x.intent).length / 12;
    const rec = oos.filter((x) => !x.predicted.inScope).length / 6;
    expect(printed(r.stdout, 'in_scope_accuracy')).toBe(acc.toFixed(4));
    expect(printed(r.stdout, 'oos_recall')).toBe(rec.toFixed(4));
    expect(acc).toBeGreaterThanOrEqual(10 / 12);
  }, 300_000);

  it('runs the discriminant from an embedding cache file: same figures without embedding again', async () => {
    const cache = join(dir, 'emb');
    const args = [
      '--scope',
      join(fixtures, 'oos-scope.jsonl'),
      '--data',
      join(fixtures, 'oos-data.jsonl'),
      '--classifier',
      'discriminant',
      '--embedding-cache',
      cache,
    ];
    const first = await command('eval-oos.ts', args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /chosen by: linear discriminant \(shared covariance\), shrinkage 0\.\d+ of \[/,
    );
    // one file per encoder, holding the 120 scope + 18 data texts
    for (const id of ['all-minilm-l6-v2', 'e5-small-v2-q']) {
      const buf = readFileSync(`${cache}.${id}`);
      const head = JSON.parse(buf.subarray(0, buf.indexOf(10)).toString()) as { id: string; texts: string[] };
      expect(head.id).toBe(id);
      expect(head.texts).toHaveLength(138);
      expect(buf.length - buf.indexOf(10) - 1).toBe(138 * 384 * 4);
    }
    const second = await command('eval-oos.ts', args);
    expect(second.code).toBe(0);
    for (const name of ['threshold', 'similarity_threshold', 'in_scope_accuracy', 'oos_recall']) {
      expect(printed(second.stdout, name)).toBe(printed(first.stdout, name));
    }
    const bad = await command('eval-oos.ts', [...args.slice(0, 4), '--classifier', 'svm']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--classifier: unknown classifier svm');
  }, 300_000);

  it('trains the default five-seed ensemble once: a second run with --store reads it, same figures', async () => {
    const store = join(dir, 'store');
    const args = ['--scope', join(fixtures, 'oos-scope.jsonl'), '--data', join(fixtures, 'oos-data.jsonl')];
    const first = await command('eval-oos.ts', [...args, '--store', store]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'softmax-ensemble classifier over all-minilm-l6-v2+e5-small-v2-q embeddings',
    );
    expect(first.stdout).toContain('chosen by: mean of 5 softmax regressions (seeds 1,2,3,4,5)');
    expect(first.stdout).toMatch(
      /time: detector trained, stored in \S+\.scope-detector, \d+\.\d s \(CPU \d+\.\d s, load average/,
    );
    const files = readdirSync(store).filter((f) => /^[0-9a-f]{64}\.scope-detector$/.test(f));
    expect(files).toHaveLength(1);
    const second = await command('eval-oos.ts', [...args, '--store', store]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`time: detector read from ${join(store, files[0])}`);
    for (const name of [
      'threshold',
      'similarity_threshold',
      'in_scope_accuracy',
      'oos_recall',
      'oos_precision',
    ]) {
      expect(printed(second.stdout, name)).toBe(printed(first.stdout, name));
    }
    // other ensemble members: another detector (another file)
    const other = await command('eval-oos.ts', [...args, '--store', store, '--ensemble-seeds', '6,7']);
    expect(other.code).toBe(0);
    expect(other.stdout).toContain('mean of 2 softmax regressions (seeds 6,7)');
    expect(readdirSync(store).filter((f) => f.endsWith('.scope-detector'))).toHaveLength(2);
    const seeds = await command('eval-oos.ts', [...args, '--also-seeds', '2']);
    expect(seeds.code).toBe(2);
    expect(seeds.stderr).toContain('--also-seeds: the ensemble trains its own seeds');
  }, 300_000);

  it('exits 2 when an in-scope line has no intent', async () => {
    const bad = join(dir, 'bad-oos.jsonl');
    writeFileSync(bad, '{"text":"what is the weather","label":"in_scope"}\n');
    const r = await command('eval-oos.ts', ['--scope', join(fixtures, 'oos-scope.jsonl'), '--data', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:1: intent: is required for in_scope lines`);
    const unknown = await command('eval-oos.ts', ['--scope', bad, '--data', bad, '--model', 'bert-base']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--model: unknown model bert-base; known: all-minilm-l6-v2,');
  }, 60_000);
});
