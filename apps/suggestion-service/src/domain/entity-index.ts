import { entityKey, wordTokens } from './text';

/** An entity the knowledge base knows about, with the document frequency of its tokens. */
export interface EntityMatch {
  /** Canonical key (see {@link entityKey}); matches `kb_chunks.entity_key`. */
  key: string;
  /** IDF-weighted share of the entity name's tokens found in the text, in [0, 1]. */
  coverage: number;
  /** Tokens of the name that were found. */
  matched: string[];
}

/** Tuning of {@link EntityIndex}. */
export interface EntityIndexOptions {
  /** Minimum IDF-weighted coverage of a name's tokens for a mention. Default 0.6. */
  minCoverage?: number;
  /**
   * A mention must contain at least one token whose idf ≥ this share of the name's most specific
   * token's idf (so "the hotel" never names "Ashley Hotel"). Default 0.75.
   */
  minSpecificShare?: number;
}

/**
 * Index of the entity names of one knowledge base (the `entity` of its documents), for finding
 * which entities a conversation mentions. Token weights are inverse document frequencies over the
 * knowledge base's own text (`docFreq`), so words that are common in the domain ("hotel", "house",
 * "the") count little and distinctive names ("acorn", "cityroomz") count a lot — no word lists.
 */
export class EntityIndex {
  private readonly entities: {
    key: string;
    tokens: string[];
    weights: number[];
    total: number;
    maxIdf: number;
  }[];
  private readonly byToken = new Map<string, number[]>();
  private readonly byGlued = new Map<string, number[]>();
  private readonly minCoverage: number;
  private readonly minSpecificShare: number;

  /**
   * @param names    entity names as stored on documents (duplicates ignored)
   * @param docFreq  token → number of documents containing it (from {@link wordTokens} of the KB text)
   * @param docCount number of documents the frequencies were counted over
   */
  constructor(
    names: Iterable<string>,
    docFreq: ReadonlyMap<string, number>,
    docCount: number,
    opts: EntityIndexOptions = {},
  ) {
    this.minCoverage = opts.minCoverage ?? 0.6;
    this.minSpecificShare = opts.minSpecificShare ?? 0.75;
    const seen = new Set<string>();
    this.entities = [];
    for (const name of names) {
      const key = entityKey(name);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      const tokens = [...new Set(key.split(' '))];
      // words found in (nearly) every document — stop words, which PostgreSQL does not index, are
      // reported that way — carry no evidence
      const weights = tokens.map((t) => {
        const df = docFreq.get(t) ?? 0;
        return df >= docCount ? 0 : Math.log(1 + docCount / (1 + df));
      });
      if (!weights.some((w) => w > 0)) continue;
      const idx = this.entities.length;
      this.entities.push({
        key,
        tokens,
        weights,
        total: weights.reduce((a, b) => a + b, 0),
        maxIdf: Math.max(...weights),
      });
      for (const t of tokens) {
        const list = this.byToken.get(t) ?? [];
        list.push(idx);
        this.byToken.set(t, list);
      }
      for (let j = 0; j + 1 < tokens.length; j++) {
        const glued = tokens[j] + tokens[j + 1];
        const list = this.byGlued.get(glued) ?? [];
        list.push(idx);
        this.byGlued.set(glued, list);
      }
    }
  }

  get size(): number {
    return this.entities.length;
  }

  /**
   * Entities mentioned in `text`, best first. Among mentions whose matched tokens are a subset of
   * another mention's, only the larger one is kept ("Holiday Inn" inside "Express by Holiday Inn").
   */
  find(text: string): EntityMatch[] {
    const words = new Set(wordTokens(text));
    const candidates = new Set<number>();
    for (const w of words) for (const i of this.byToken.get(w) ?? []) candidates.add(i);
    for (const w of words) for (const i of this.byGlued.get(w) ?? []) candidates.add(i);
    const found: EntityMatch[] = [];
    for (const i of candidates) {
      const e = this.entities[i];
      let got = 0;
      let bestIdf = 0;
      const matched: string[] = [];
      // a token counts when said as such, or glued to its neighbour ("guesthouse" for "guest house")
      const hit = e.tokens.map(
        (t, j) =>
          words.has(t) ||
          (j + 1 < e.tokens.length && words.has(t + e.tokens[j + 1])) ||
          (j > 0 && words.has(e.tokens[j - 1] + t)),
      );
      e.tokens.forEach((t, j) => {
        if (hit[j] && e.weights[j] > 0) {
          got += e.weights[j];
          bestIdf = Math.max(bestIdf, e.weights[j]);
          matched.push(t);
        }
      });
      const coverage = e.total > 0 ? got / e.total : 0;
      if (coverage >= this.minCoverage && bestIdf >= this.minSpecificShare * e.maxIdf) {
        found.push({ key: e.key, coverage, matched });
      }
    }
    found.sort((a, b) => b.coverage - a.coverage || b.matched.length - a.matched.length);
    return found.filter(
      (m, i) =>
        !found.some(
          (o, j) =>
            j !== i &&
            o.matched.length > m.matched.length &&
            m.matched.every((t) => o.matched.includes(t)) &&
            o.coverage >= m.coverage - 1e-9,
        ),
    );
  }
}

/** Counts, for each token, how many of `texts` contain it (input to {@link EntityIndex}). */
export function countDocumentFrequencies(texts: Iterable<string>): {
  docFreq: Map<string, number>;
  docCount: number;
} {
  const docFreq = new Map<string, number>();
  let docCount = 0;
  for (const text of texts) {
    docCount += 1;
    for (const t of new Set(wordTokens(text))) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
  }
  return { docFreq, docCount };
}
