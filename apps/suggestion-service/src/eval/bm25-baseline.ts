/**
 * Plain BM25 baseline for the retrieval evaluation: `wink-bm25-text-search` over the same documents
 * (fields title, entity, text, weight 1 each), text prepared by `wink-nlp-utils` (lower-case,
 * tokenize, stop words removed, Porter stem). No conversation logic: the query is a string.
 */
const bm25Factory = require('wink-bm25-text-search') as () => WinkBm25;
const nlpUtils = require('wink-nlp-utils') as WinkNlpUtils;

interface WinkBm25 {
  defineConfig(cfg: {
    fldWeights: Record<string, number>;
    bm25Params?: { k1: number; b: number; k: number };
  }): boolean;
  definePrepTasks(tasks: ((x: unknown) => unknown)[]): number;
  addDoc(doc: Record<string, string>, id: string): number;
  consolidate(): boolean;
  search(text: string, limit?: number): [string, number][];
}
interface WinkNlpUtils {
  string: { lowerCase: (s: unknown) => unknown; tokenize0: (s: unknown) => unknown };
  tokens: { removeWords: (t: unknown) => unknown; stem: (t: unknown) => unknown };
}

export interface BaselineDoc {
  id: string;
  title: string;
  entity?: string | null;
  text: string;
}

export class Bm25Baseline {
  private readonly engine = bm25Factory();

  constructor(docs: BaselineDoc[]) {
    this.engine.defineConfig({
      fldWeights: { title: 1, entity: 1, text: 1 },
      bm25Params: { k1: 1.2, b: 0.75, k: 1 },
    });
    this.engine.definePrepTasks([
      nlpUtils.string.lowerCase,
      nlpUtils.string.tokenize0,
      nlpUtils.tokens.removeWords,
      nlpUtils.tokens.stem,
    ]);
    for (const d of docs) this.engine.addDoc({ title: d.title, entity: d.entity ?? '', text: d.text }, d.id);
    this.engine.consolidate();
  }

  /** Top `limit` document ids for a query string. */
  search(query: string, limit: number): string[] {
    if (!query.trim()) return [];
    return this.engine.search(query, limit).map(([id]) => id);
  }
}
