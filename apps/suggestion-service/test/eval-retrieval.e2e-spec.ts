import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT, knowledgeJsonl } from '@hub/testing';

const run = promisify(execFile);
jest.setTimeout(180_000);

interface Report {
  rows: { name: string; m: Record<string, number> }[];
  bestBaseline: string;
}

/**
 * `npm run eval:retrieval` on data other than the dev set, in the same formats: a small knowledge base
 * (JSON Lines id/title/text) and dialogues (`turns`, `gold`) written here. The command indexes through the
 * suggestion-service code into a temporary PostgreSQL database and scores it next to the BM25 baseline.
 */
describe('eval:retrieval command (real PostgreSQL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-e2e-'));
  const kb = join(dir, 'kb.jsonl');
  const dialogues = join(dir, 'dialogues.jsonl');
  const out = join(dir, 'report.json');
  const dialogue = (id: string, turns: [string, string][], gold: string[]) =>
    JSON.stringify({ id, turns: turns.map(([speaker, text]) => ({ speaker, text })), gold });

  beforeAll(() => {
    writeFileSync(kb, knowledgeJsonl(['ASHLEY HOTEL', 'ACORN GUEST HOUSE', 'A AND B GUEST HOUSE']));
    writeFileSync(
      dialogues,
      [
        // the entity is named two turns before the question: the conversation query must carry it
        dialogue(
          'd1',
          [
            ['customer', 'I booked two nights at the Acorn Guest House.'],
            ['agent', 'Great, how can I help with your stay?'],
            ['customer', 'Can I bring my pet?'],
          ],
          ['hotel/1/faq/0'],
        ),
        dialogue('d2', [['customer', 'What time is check out at the Ashley Hotel?']], ['hotel/7/faq/7']),
        dialogue(
          'd3',
          [['customer', 'Is the wifi free at Ashley Hotel?']],
          ['hotel/7/faq/1', 'hotel/7/faq/6'],
        ),
      ].join('\n') + '\n',
    );
  });

  it('prints recall@1/5/10 and MRR@10 for the service and the BM25 baseline, and writes the JSON report', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--require',
        '@swc-node/register',
        'apps/suggestion-service/src/eval/eval-retrieval.ts',
        '--kb',
        kb,
        '--dialogues',
        dialogues,
        '--json',
        out,
        '--quiet',
      ],
      { cwd: WORKSPACE_ROOT, env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    expect(stdout).toMatch(/\| ranker \| n \| recall@1 \| recall@5 \| recall@10 \| MRR@10 \|/);
    expect(stdout).toMatch(/MRR@10: \d\.\d{3} vs best BM25 baseline \d\.\d{3}/);

    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    const [ours, ...baselines] = report.rows;
    expect(ours.name).toMatch(/suggestion-service/);
    expect(baselines.length).toBeGreaterThan(0);
    expect(baselines.map((b) => b.name)).toContain(report.bestBaseline);
    for (const r of report.rows) {
      expect(r.m.n).toBe(3);
      for (const k of ['recall@1', 'recall@5', 'recall@10', 'mrr@10']) {
        expect(r.m[k]).toBeGreaterThanOrEqual(0);
        expect(r.m[k]).toBeLessThanOrEqual(1);
      }
    }
    // these dialogues are easy for a retriever that uses the whole conversation: every gold document is in
    // the service's top 5, and MRR@10 is high
    expect(ours.m['hit@5']).toBe(1);
    expect(ours.m['mrr@10']).toBeGreaterThanOrEqual(0.5);
  });

  it('exits with a usage message when --kb or --dialogues is missing', async () => {
    await expect(
      run(
        process.execPath,
        ['--require', '@swc-node/register', 'apps/suggestion-service/src/eval/eval-retrieval.ts'],
        {
          cwd: WORKSPACE_ROOT,
        },
      ),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run eval:retrieval') });
  });
});
