import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { PrismaClient } from '@hub/persistence';
import { denseQueryText, type ContextUtterance } from '../domain/conversation-query';
import type { LlmRepository } from '../llm/llm.repository';
import type { AssistMetrics } from '../metrics';
import { DenseRetriever } from '../retrieval/dense-retriever';
import type { LocalRetrievalModel } from '../retrieval/local-embeddings';
import { DEFAULT_RANKING, RetrievalRepository, type RankingParams } from '../retrieval/retrieval.repository';
import { OFFLINE_LEXICAL_RETRIEVAL, RetrieveUseCase } from '../retrieval/retrieve.usecase';
import { scoreRanking, summarise, type Metrics } from './metrics';

/** A dialogue of the evaluation set. */
export interface SweepDialogue {
  id: string;
  turns: { speaker: 'customer' | 'agent'; text: string }[];
  gold: string[];
}

/**
 * Half of a fixed two-way split of dialogues: `A` when the first byte of the SHA-1 of the id is even, else `B`.
 * Independent of file order and of the figures, so a choice made on `A` can be checked on `B`.
 */
export function splitOf(id: string): 'A' | 'B' {
  return createHash('sha1').update(id).digest()[0] % 2 === 0 ? 'A' : 'B';
}

/** Figures of one configuration of {@link runDenseSweep}. */
export interface SweepRow {
  name: string;
  /** Metrics on half A (the half configurations are chosen on), half B and all dialogues. */
  A: Metrics;
  /** Absent for configurations measured on half A only (the grid, except the one chosen). */
  B?: Metrics;
  all?: Metrics;
  /** CPU time of this process per dialogue, ms (query embeddings are cached across configurations: excluded). */
  cpuMsPerQuery: number;
}

/** Result of {@link runDenseSweep}: every configuration, the one chosen on half A, and the query-embedding cost. */
export interface SweepResult {
  rows: SweepRow[];
  /** The second dialogue set (e.g. spoken) under lexical, dense only, the service default and the chosen configuration. */
  extraRows: SweepRow[];
  /** Best MRR@10 on half A among the fused configurations. */
  chosen: string;
  /** CPU time of embedding one query in this process, ms (mean over the dialogues, uncached). */
  queryEmbeddingCpuMs: number;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

/**
 * Compares rankings of one uploaded knowledge base (vectors from `model`) on the evaluation dialogues, all through
 * the service's code: lexical (BM25F + entity index, no dense), dense only (nearest chunks of the whole KB, no
 * entity filter and no words), dense order inside the conversation's entity (lexical weight 0), and reciprocal rank
 * fusion with several dense weights, RRF constants and numbers of customer turns embedded. Every figure is given on
 * the two halves of {@link splitOf} and on all dialogues; the configuration to ship is chosen on half A only.
 */
export async function runDenseSweep(a: {
  prisma: PrismaClient;
  tenantId: string;
  kbId: string;
  dialogues: SweepDialogue[];
  /** A second set evaluated with the configuration chosen on the first (no choice is made on it). */
  extra?: SweepDialogue[];
  /** `dense`: only the dense-only rows and the service default (to compare models or prefixes quickly). */
  grid?: 'full' | 'dense';
  topK: number;
  model: LocalRetrievalModel;
  retrievalRepo: RetrievalRepository;
  llmRepo: LlmRepository;
  metrics: AssistMetrics;
  logger: Logger;
  log: (...x: unknown[]) => void;
}): Promise<SweepResult> {
  const { topK } = a;
  let dialogues = a.dialogues;
  const windowsOf = (ds: SweepDialogue[]) =>
    ds.map((d): ContextUtterance[] =>
      d.turns.map((t, j) => ({ utteranceId: String(j), speaker: t.speaker, text: t.text })),
    );
  let windows = windowsOf(dialogues);
  // query vectors cached by text: every configuration embeds the same few texts per dialogue
  const cache = new Map<string, Promise<number[]>>();
  const cached: LocalRetrievalModel = {
    ...a.model,
    embedPassages: (texts) => a.model.embedPassages(texts),
    embedQuery: (text) => {
      let v = cache.get(text);
      if (!v) cache.set(text, (v = a.model.embedQuery(text)));
      return v;
    },
  };
  let cpu = process.cpuUsage();
  for (const w of windows) {
    const text = denseQueryText(w, DEFAULT_RANKING.denseTurns);
    if (text) await cached.embedQuery(text);
  }
  const queryEmbeddingCpuMs = cpuMs(cpu) / Math.max(1, windows.length);

  const dense = new DenseRetriever(
    a.retrievalRepo,
    a.llmRepo,
    { queryTimeoutMs: 600_000, maxIndexBytes: 1024 * 1024 * 1024 },
    a.metrics,
    a.logger,
    cached,
  );
  const hybrid = new RetrieveUseCase(a.retrievalRepo, dense, OFFLINE_LEXICAL_RETRIEVAL);
  const lexical = new RetrieveUseCase(a.retrievalRepo, undefined, OFFLINE_LEXICAL_RETRIEVAL);
  const index = await a.retrievalRepo.denseVectors(a.tenantId, a.kbId);
  const externalOf = new Map(
    (
      await a.prisma.$queryRawUnsafe<{ id: string; ext: string }[]>(
        `SELECT c.id, d.external_id AS ext FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id
         WHERE c.knowledge_base_id = $1::uuid`,
        a.kbId,
      )
    ).map((r) => [r.id, r.ext]),
  );

  // the dense index loads on the first hybrid query (seconds of event-loop time): once, before the parallel runs
  if (windows.length)
    await hybrid.execute({ tenantId: a.tenantId, knowledgeBaseId: a.kbId, window: windows[0], topK });
  let rows: SweepRow[] = [];
  const scoresOf = new Map<string, ReturnType<typeof scoreRanking>[]>();
  /** Scores `rank` on the dialogues of half `only` (default: all), or completes a row measured on A before. */
  const measure = async (name: string, rank: (i: number) => Promise<string[]>, only?: 'A' | 'B') => {
    const scores = scoresOf.get(name) ?? new Array<ReturnType<typeof scoreRanking>>(dialogues.length);
    scoresOf.set(name, scores);
    const todo = dialogues.map((_, i) => i).filter((i) => !only || splitOf(dialogues[i].id) === only);
    cpu = process.cpuUsage();
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const i = todo[next++];
        scores[i] = scoreRanking(await rank(i), dialogues[i].gold);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    if (fallbacks)
      throw new Error(`${name}: ${fallbacks} rankings fell back to lexical; figures would be wrong`);
    const done = (h?: 'A' | 'B') =>
      dialogues.every((d, i) => (h && splitOf(d.id) !== h) || scores[i] !== undefined);
    const of = (h?: 'A' | 'B') =>
      done(h) ? summarise(scores.filter((_, i) => !h || splitOf(dialogues[i].id) === h)) : undefined;
    const row: SweepRow = {
      name,
      A: of('A') as Metrics,
      B: of('B'),
      all: of(),
      cpuMsPerQuery: cpuMs(cpu) / Math.max(1, todo.length),
    };
    rows = rows.filter((r) => r.name !== name);
    rows.push(row);
    const f = (m?: Metrics) => (m ? m['mrr@10'].toFixed(3) : '–');
    a.log(`  ${name}: MRR@10 A ${f(row.A)} B ${f(row.B)} all ${f(row.all)}`);
  };
  let fallbacks = 0;
  const viaService = (uc: RetrieveUseCase, ranking: RankingParams) => async (i: number) => {
    const r = await uc.execute({
      tenantId: a.tenantId,
      knowledgeBaseId: a.kbId,
      window: windows[i],
      topK,
      ranking,
    });
    if (r.ranking.denseFallbackReason) fallbacks += 1;
    return r.passages.map((p) => p.documentId);
  };

  a.log('sweep:');
  if (a.grid !== 'dense')
    await measure('lexical (BM25F + entity index)', viaService(lexical, DEFAULT_RANKING));
  for (const turns of [1, 2, 3, 100]) {
    await measure(`dense only, whole KB, ${turns === 100 ? 'all' : turns} customer turns`, async (i) => {
      const text = denseQueryText(windows[i], turns);
      if (!text) return [];
      const hits = index.search(await cached.embedQuery(text), topK);
      return hits.map((h) => externalOf.get(h.chunkId) ?? '');
    });
  }
  if (a.grid !== 'dense')
    await measure(
      'dense order inside the entity (lexical weight 0), 2 turns',
      viaService(hybrid, { ...DEFAULT_RANKING, lexicalWeight: 0, denseTurns: 2 }),
    );
  const fused = new Map<string, RankingParams>();
  // each configuration is 1,056 SQL rankings (~2 min on the loaded shared machine): a small grid
  const grid: [turns: number, denseWeight: number, rrfK: number][] =
    a.grid === 'dense'
      ? [[DEFAULT_RANKING.denseTurns, DEFAULT_RANKING.denseWeight, DEFAULT_RANKING.rrfK]]
      : [
          [2, 1, 60],
          [1, 1, 60],
          [3, 1, 60],
          [2, 0.5, 60],
          [2, 2, 60],
          [2, 4, 60],
          [2, 1, 10],
        ];
  for (const [turns, denseWeight, rrfK] of grid) {
    const params = { ...DEFAULT_RANKING, rrfK, denseWeight, denseTurns: turns };
    const name = rankingName(params);
    fused.set(name, params);
    // chosen on half A: the grid is ranked on A only, the chosen one is completed on B below
    await measure(name, viaService(hybrid, params), a.grid === 'dense' ? undefined : 'A');
  }
  const chosen = rows
    .filter((r) => fused.has(r.name))
    .reduce((x, y) => (y.A['mrr@10'] > x.A['mrr@10'] ? y : x)).name;
  if (a.grid !== 'dense')
    await measure(chosen, viaService(hybrid, fused.get(chosen) ?? DEFAULT_RANKING), 'B');
  const sweepRows = rows;
  rows = [];
  if (a.extra?.length) {
    dialogues = a.extra;
    windows = windowsOf(dialogues);
    a.log('second set:');
    await measure('lexical (BM25F + entity index)', viaService(lexical, DEFAULT_RANKING));
    await measure('dense only, whole KB, 2 customer turns', async (i) => {
      const text = denseQueryText(windows[i], 2);
      if (!text) return [];
      return index.search(await cached.embedQuery(text), topK).map((h) => externalOf.get(h.chunkId) ?? '');
    });
    await measure(`service default (${rankingName(DEFAULT_RANKING)})`, viaService(hybrid, DEFAULT_RANKING));
    await measure(
      `${chosen} (chosen on dev half A)`,
      viaService(hybrid, fused.get(chosen) ?? DEFAULT_RANKING),
    );
  }
  return { rows: sweepRows, extraRows: rows, chosen, queryEmbeddingCpuMs };
}

/** `RRF k 60, dense weight 1, 2 turns` */
export function rankingName(p: RankingParams): string {
  return `RRF k ${p.rrfK}, dense weight ${p.denseWeight}, ${p.denseTurns} turns`;
}

/** Markdown table of a sweep (MRR@10 per half and overall, hit@1 and recall@10 overall, CPU per query). */
export function sweepTable(s: SweepResult): string {
  const f = (x?: number) => (x === undefined ? '–' : x.toFixed(3));
  const extra = s.extraRows.length
    ? [
        '',
        '| second set | n | MRR@10 | hit@1 | recall@10 | CPU ms/query |',
        '|---|---|---|---|---|---|',
        ...s.extraRows.map(
          (r) =>
            `| ${r.name} | ${r.all?.n} | ${f(r.all?.['mrr@10'])} | ${f(r.all?.['hit@1'])} | ${f(r.all?.['recall@10'])} | ${r.cpuMsPerQuery.toFixed(1)} |`,
        ),
      ]
    : [];
  return [
    '| configuration | MRR@10 A | MRR@10 B | MRR@10 all | hit@1 all | recall@10 all | CPU ms/query |',
    '|---|---|---|---|---|---|---|',
    ...s.rows.map(
      (r) =>
        `| ${r.name}${r.name === s.chosen ? ' (chosen on A)' : ''} | ${f(r.A['mrr@10'])} | ${f(r.B?.['mrr@10'])} | ${f(r.all?.['mrr@10'])} | ${f(r.all?.['hit@1'])} | ${f(r.all?.['recall@10'])} | ${r.cpuMsPerQuery.toFixed(1)} |`,
    ),
    ...extra,
  ].join('\n');
}
