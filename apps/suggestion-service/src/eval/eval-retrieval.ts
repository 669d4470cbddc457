/**
 * Retrieval evaluation (`npm run eval:retrieval -- --kb <knowledge.jsonl> --dialogues <dialogues.jsonl>`).
 *
 * Indexes the knowledge base through the suggestion-service's own code (IngestDocumentsUseCase →
 * PostgreSQL) in a temporary database (or `--database-url`), runs every dialogue through the
 * service's RetrieveUseCase (query built from the whole conversation), and prints recall@1/5/10 and
 * MRR@10 next to a plain BM25 baseline (wink-bm25-text-search) over the same documents in the same
 * run. Input formats: knowledge rows `{id, title, text, entity?}`; dialogues
 * `{id, turns: [{speaker: customer|agent, text}], gold: [document ids]}` (../shared/data/retrieval/dev.jsonl).
 *
 * Options: --top-k N (default 10) · --limit N (first N dialogues) · --database-url URL (keep data)
 * · --json PATH (write the figures) · --quiet · --local-embeddings NAME (a `@hub/embeddings` local model, e.g.
 * `e5-small-v2-q`: chunks are embedded at upload and the service ranks hybrid — BM25F and dense fused by
 * reciprocal rank fusion — exactly as with `ASSIST_RETRIEVAL=hybrid`) · --symmetric (e5 without its
 * passage:/query: prefixes) · --sweep (lexical, dense only and fusion variants on two fixed halves of the
 * dialogues, the fused one chosen on half A: `dense-sweep.ts`; --dense-sweep: only the dense-only rows and the default) · --also-dialogues PATH (a second set, e.g. the
 * spoken one, under the configuration chosen on the first) · --kb-id ID (with --database-url: reuse a knowledge
 * base indexed by an earlier run instead of indexing again) · --skip-baselines (no wink BM25 rows) · --sweep-only
 * (no separate run of the service default before the sweep).
 */
import { createReadStream, readFileSync, writeFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createPgPool, createPrismaClient, ensureDatabase, runMigrations } from '@hub/persistence';
import { KnowledgeRepository } from '../knowledge/knowledge.repository';
import { IngestDocumentsUseCase } from '../knowledge/usecases/ingest-documents.usecase';
import {
  EnvKeyEncryptionKeyProvider,
  IntegrationStore,
  OutboundHttp,
  OutboundUrlPolicy,
  SecretsCipher,
} from '@hub/integrations';
import { LlmRepository } from '../llm/llm.repository';
import { RetrievalRepository } from '../retrieval/retrieval.repository';
import { OFFLINE_LEXICAL_RETRIEVAL, RetrieveUseCase } from '../retrieval/retrieve.usecase';
import { DenseRetriever } from '../retrieval/dense-retriever';
import { loadLocalRetrievalModel } from '../retrieval/local-embeddings';
import { DEFAULT_RANKING } from '../retrieval/retrieval.repository';
import { runDenseSweep, splitOf, sweepTable } from './dense-sweep';
import { AssistMetrics } from '../metrics';
import type { ContextUtterance } from '../domain/conversation-query';
import { Bm25Baseline, type BaselineDoc } from './bm25-baseline';
import { scoreRanking, summarise, type Metrics } from './metrics';

interface Dialogue {
  id: string;
  turns: { speaker: 'customer' | 'agent'; text: string }[];
  gold: string[];
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch (e) {
        throw new Error(`${path}: line ${i + 1}: ${(e as Error).message}`);
      }
    });
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function main() {
  const { values } = parseArgs({
    options: {
      kb: { type: 'string' },
      dialogues: { type: 'string' },
      'top-k': { type: 'string', default: '10' },
      limit: { type: 'string' },
      'database-url': { type: 'string' },
      json: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'local-embeddings': { type: 'string' },
      symmetric: { type: 'boolean', default: false },
      sweep: { type: 'boolean', default: false },
      'dense-sweep': { type: 'boolean', default: false },
      'skip-baselines': { type: 'boolean', default: false },
      'sweep-only': { type: 'boolean', default: false },
      'also-dialogues': { type: 'string' },
      'kb-id': { type: 'string' },
      'sql-ranking': { type: 'boolean', default: false },
    },
  });
  if (!values.kb || !values.dialogues) {
    console.error(
      'usage: npm run eval:retrieval -- --kb <knowledge.jsonl> --dialogues <dialogues.jsonl> [--top-k 10] [--limit N] [--database-url URL] [--json out.json] [--local-embeddings NAME [--symmetric] [--sweep] [--also-dialogues PATH]] [--kb-id ID] [--sql-ranking]',
    );
    process.exit(2);
  }
  const topK = Math.max(10, Number(values['top-k']));
  const log = (...a: unknown[]) => !values.quiet && console.error(...a);

  const base = process.env['TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432';
  const dbName = `hub_eval_${randomBytes(5).toString('hex')}`;
  const databaseUrl = values['database-url'] ?? `${base}/${dbName}`;
  const temporary = !values['database-url'];
  await ensureDatabase(databaseUrl);
  await runMigrations(databaseUrl);
  const prisma = createPrismaClient(databaseUrl, 8);
  const evalPool = createPgPool(databaseUrl, { max: 1 });
  const retrievalPool = createPgPool(databaseUrl, { max: 8, applicationName: 'eval-retrieval' });
  try {
    const logger = pino({ level: 'warn' });
    const localModel = values['local-embeddings']
      ? await loadLocalRetrievalModel(values['local-embeddings'], { symmetric: values.symmetric })
      : undefined;
    const metrics = new AssistMetrics(new Registry());
    const kbRepo = new KnowledgeRepository(prisma);
    // the evaluation's throw-away database has no llm integration: a store with a one-off KEK
    const llmRepo = new LlmRepository(
      new IntegrationStore(
        evalPool,
        new SecretsCipher(new EnvKeyEncryptionKeyProvider({ id: 'eval', key: randomBytes(32) })),
      ),
      new OutboundHttp(
        new OutboundUrlPolicy({ allowHttp: false, allowPrivateNetworks: false, allowedHostSuffixes: [] }),
      ),
    );
    const ingest = new IngestDocumentsUseCase(
      kbRepo,
      llmRepo,
      {
        maxLineBytes: 1024 * 1024,
        maxDocumentBytes: 20 * 1024 * 1024,
        maxUploadBytes: Number.MAX_SAFE_INTEGER,
        batchSize: 1000,
      },
      logger,
      metrics,
      localModel,
    );
    let t = performance.now();
    let cpu = process.cpuUsage();
    // --kb-id: a knowledge base indexed by an earlier run in --database-url (same --kb and model), not re-indexed
    const reused = values['kb-id'] ? await kbRepo.get('eval', values['kb-id']) : null;
    if (values['kb-id'] && !reused) throw new Error(`--kb-id ${values['kb-id']}: no such knowledge base`);
    const kb = reused ?? (await kbRepo.create('eval', `eval-${Date.now()}`, `evaluation of ${values.kb}`));
    log(`knowledge base ${kb.id} in ${databaseUrl}`);
    const result = reused
      ? { documents: reused.documentCount, chunks: reused.chunkCount }
      : await ingest.execute({
          tenantId: 'eval',
          knowledgeBaseId: kb.id,
          format: 'jsonl',
          body: createReadStream(values.kb),
          totalBytes: statSync(values.kb).size,
        });
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const d = process.cpuUsage(since);
      return (d.user + d.system) / 1000;
    };
    const upload = { wallMs: Math.round(performance.now() - t), cpuMs: Math.round(cpuMs(cpu)) };
    log(
      reused
        ? `reusing ${result.documents} documents (${result.chunks} chunks) indexed earlier`
        : `indexed ${result.documents} documents (${result.chunks} chunks) in ${upload.wallMs} ms (this process: ${upload.cpuMs} ms CPU)`,
    );

    let dialogues = readJsonl<Dialogue>(values.dialogues);
    if (values.limit) dialogues = dialogues.slice(0, Number(values.limit));

    const retrievalRepo = new RetrievalRepository(prisma, retrievalPool);
    const dense = localModel
      ? new DenseRetriever(
          retrievalRepo,
          llmRepo,
          // offline evaluation: wait for the index to load (the first query loads it)
          { queryTimeoutMs: 60_000, maxIndexBytes: 1024 * 1024 * 1024 },
          metrics,
          logger,
          localModel,
        )
      : undefined;
    // ranks as the service does (in-memory lexical index; waits for its load instead of falling back), or in
    // PostgreSQL only with --sql-ranking
    const retrieve = new RetrieveUseCase(
      retrievalRepo,
      dense,
      values['sql-ranking'] ? { maxIndexBytes: 0, loadWaitMs: 0 } : OFFLINE_LEXICAL_RETRIEVAL,
    );
    const modes = new Map<string, number>();
    const ours: ReturnType<typeof scoreRanking>[] = new Array(dialogues.length);
    const latencies: number[] = [];
    if (dialogues.length && !values['sweep-only'])
      // load the dense index before the parallel run: parsing 10,882 vectors blocks the event loop for seconds on a
      // loaded machine, and the other workers' transactions would time out waiting to start
      await retrieve.execute({
        tenantId: 'eval',
        knowledgeBaseId: kb.id,
        window: dialogues[0].turns.map((x, j) => ({ utteranceId: String(j), ...x })),
        topK,
      });
    t = performance.now();
    cpu = process.cpuUsage();
    let next = 0;
    const worker = async () => {
      while (next < dialogues.length) {
        const i = next++;
        const d = dialogues[i];
        const window: ContextUtterance[] = d.turns.map((turn, j) => ({
          utteranceId: String(j),
          speaker: turn.speaker,
          text: turn.text,
        }));
        const r = await retrieve.execute({ tenantId: 'eval', knowledgeBaseId: kb.id, window, topK });
        latencies.push(r.retrievalMs);
        const mode = r.ranking.denseFallbackReason
          ? `lexical (${r.ranking.denseFallbackReason.split(':')[0]})`
          : r.ranking.mode;
        modes.set(mode, (modes.get(mode) ?? 0) + 1);
        ours[i] = scoreRanking(
          r.passages.map((p) => p.documentId),
          d.gold,
        );
      }
    };
    // --sweep-only: the service-default run is part of the sweep (no separate latency/CPU figures)
    if (!values['sweep-only']) await Promise.all([worker(), worker(), worker(), worker()]);
    const queryCpuMs = cpuMs(cpu) / Math.max(1, dialogues.length);
    log(
      `ran ${dialogues.length} dialogues in ${Math.round(performance.now() - t)} ms (this process: ${queryCpuMs.toFixed(1)} ms CPU per query); ranking: ${[...modes].map(([m, n]) => `${m} ${n}`).join(', ')}`,
    );

    const docs = readJsonl<BaselineDoc>(values.kb).map((d) => ({ ...d, id: String(d.id) }));
    const baseline = new Bm25Baseline(docs);
    const customer = (d: Dialogue) => d.turns.filter((x) => x.speaker === 'customer').map((x) => x.text);
    const variants: Record<string, (d: Dialogue) => string> = {
      'BM25, query = last customer turn': (d) => customer(d).at(-1) ?? '',
      'BM25, query = all customer turns': (d) => customer(d).join(' '),
      'BM25, query = whole dialogue': (d) => d.turns.map((x) => x.text).join(' '),
    };
    const engine = values['sql-ranking'] ? 'in PostgreSQL' : 'in memory';
    const rows: { name: string; m: Metrics }[] = [
      {
        name: localModel
          ? `suggestion-service (BM25F ${engine} + ${localModel.id} dense, RRF k ${DEFAULT_RANKING.rrfK}, dense weight ${DEFAULT_RANKING.denseWeight}, ${DEFAULT_RANKING.denseTurns} turns)`
          : `suggestion-service (BM25F ${engine}, conversation query)`,
        m: summarise(ours.filter((x) => x)),
      },
    ];
    for (const [name, q] of Object.entries(values['skip-baselines'] ? {} : variants)) {
      rows.push({
        name,
        m: summarise(dialogues.map((d) => scoreRanking(baseline.search(q(d), topK), d.gold))),
      });
    }
    const bestBaseline = rows
      .slice(values['skip-baselines'] ? 0 : 1)
      .reduce((a, b) => (b.m['mrr@10'] > a.m['mrr@10'] ? b : a));

    const f = (x: number) => x.toFixed(3);
    const lines = [
      `| ranker | n | recall@1 | recall@5 | recall@10 | MRR@10 | hit@1 | hit@5 |`,
      `|---|---|---|---|---|---|---|---|`,
      ...rows.map(
        (r) =>
          `| ${r.name}${r === bestBaseline ? ' (best baseline)' : ''} | ${r.m.n} | ${f(r.m['recall@1'])} | ${f(r.m['recall@5'])} | ${f(r.m['recall@10'])} | ${f(r.m['mrr@10'])} | ${f(r.m['hit@1'])} | ${f(r.m['hit@5'])} |`,
      ),
    ];
    console.log(lines.join('\n'));
    console.log(
      `\nMRR@10: ${f(rows[0].m['mrr@10'])} vs best BM25 baseline ${f(bestBaseline.m['mrr@10'])} (${bestBaseline.name}); ` +
        `retrieval latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms; ` +
        `${queryCpuMs.toFixed(1)} ms CPU per query in this process; upload ${upload.wallMs} ms (${upload.cpuMs} ms CPU)`,
    );
    const halves = ['A', 'B'].map((h) =>
      summarise(ours.filter((x, i) => x && splitOf(dialogues[i].id) === h)),
    );
    console.log(
      `halves (sha-1 of the dialogue id): A n ${halves[0].n} MRR@10 ${f(halves[0]['mrr@10'])}, B n ${halves[1].n} MRR@10 ${f(halves[1]['mrr@10'])}`,
    );
    const sweep =
      (values.sweep || values['dense-sweep']) && localModel && dense
        ? await runDenseSweep({
            prisma,
            tenantId: 'eval',
            kbId: kb.id,
            dialogues,
            extra: values['also-dialogues'] ? readJsonl<Dialogue>(values['also-dialogues']) : undefined,
            topK,
            grid: values['dense-sweep'] ? 'dense' : 'full',
            model: localModel,
            retrievalRepo,
            llmRepo,
            metrics,
            logger,
            log,
          })
        : undefined;
    if (sweep) {
      console.log(
        `\n${sweepTable(sweep)}\n\nchosen on half A: ${sweep.chosen}; query embedding ${sweep.queryEmbeddingCpuMs.toFixed(1)} ms CPU`,
      );
    }
    if (values.json) {
      writeFileSync(
        values.json,
        JSON.stringify(
          {
            kb: values.kb,
            dialogues: values.dialogues,
            topK,
            rows,
            bestBaseline: bestBaseline.name,
            latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
            queryCpuMs,
            upload,
            halves,
            sweep,
            at: new Date().toISOString(),
          },
          null,
          2,
        ),
      );
    }
  } finally {
    await prisma.$disconnect();
    await evalPool.end();
    await retrievalPool.end();
    if (temporary) {
      const c = new Client({ connectionString: `${base}/postgres` });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await c.end();
    }
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
