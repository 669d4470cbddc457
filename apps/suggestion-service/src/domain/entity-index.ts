import { LRUCache } from 'lru-cache';
import doubleMetaphone from 'talisman/phonetics/double-metaphone';
import { distance } from 'fastest-levenshtein';
import { entityKey, wordTokens } from './text';

/** An entity the knowledge base knows about, with the document frequency of its tokens. */
export interface EntityMatch {
  /** Canonical key (see {@link entityKey}); matches `kb_chunks.entity_key`. */
  key: string;
  /** IDF-weighted share of the entity name's tokens found in the text, in [0, 1]. */
  coverage: number;
  /** Tokens of the name that were found. */
  matched: string[];
  /** True when some token was found only approximately (sound-alike or misspelt; see {@link EntityIndexOptions.fuzzy}). */
  fuzzy?: boolean;
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
  /**
   * Approximate matching of name tokens, for speech-recognized or misspelt text — used only when no
   * name is found exactly in the text. A name token (≥ 4 letters, idf > 0) is found approximately
   * when a word of the text, or two adjacent words glued, either sounds the same (equal Double
   * Metaphone codes, `talisman`, of ≥ 3 letters) or is within a Levenshtein distance
   * (`fastest-levenshtein`) of ≤ 1 (≤ 2 from 7 letters on). Only text words that are rare in the
   * knowledge base (in < 1 % of its documents) take part, so ordinary domain words never turn into
   * names. Such a token counts `fuzzyWeight` of its idf. Default true.
   */
  fuzzy?: boolean;
  /** Share of a token's idf an approximate match contributes. Default 0.8. */
  fuzzyWeight?: number;
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
  private readonly fuzzy: boolean;
  private readonly fuzzyWeight: number;
  /** Double Metaphone code → [entity, token] pairs (name tokens of ≥ 4 letters with idf > 0). */
  private readonly byCode = new Map<string, [number, number][]>();
  /** Name tokens of ≥ 4 letters with idf > 0, for edit-distance matching. */
  private readonly fuzzyTokens: { token: string; entity: number; at: number }[] = [];
  private readonly rareDocCount: number;

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
    this.fuzzy = opts.fuzzy ?? true;
    this.fuzzyWeight = opts.fuzzyWeight ?? 0.8;
    this.docFreq = docFreq;
    this.rareDocCount = Math.max(1, docCount * 0.01);
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
      tokens.forEach((t, j) => {
        if (weights[j] <= 0 || t.length < 4 || /\d/.test(t)) return;
        this.fuzzyTokens.push({ token: t, entity: idx, at: j });
        for (const code of new Set(doubleMetaphone(t))) {
          if (code.length < 3) continue;
          const list = this.byCode.get(code) ?? [];
          list.push([idx, j]);
          this.byCode.set(code, list);
        }
      });
      for (let j = 0; j + 1 < tokens.length; j++) {
        const glued = tokens[j] + tokens[j + 1];
        const list = this.byGlued.get(glued) ?? [];
        list.push(idx);
        this.byGlued.set(glued, list);
      }
    }
  }

  private readonly docFreq: ReadonlyMap<string, number>;
  /**
   * Results of {@link find} per (text, approximate): a conversation's earlier turns are searched again for
   * every later question, and approximate matching (phonetic codes, edit distances over every name token)
   * is the costly part of building a query.
   */
  private readonly found = new LRUCache<string, readonly EntityMatch[]>({ max: 20_000 });

  get size(): number {
    return this.entities.length;
  }

  /**
   * Entities mentioned in `text`, best first. Among mentions whose matched tokens are a subset of
   * another mention's, only the larger one is kept ("Holiday Inn" inside "Express by Holiday Inn").
   * @param approximate also look for approximate mentions when there is no exact one (default: the `fuzzy` option)
   * @returns the mentions (remembered per text: callers must not change the array)
   */
  find(text: string, approximate: boolean = this.fuzzy): readonly EntityMatch[] {
    const key = `${approximate ? 1 : 0}${text}`;
    const hit = this.found.get(key);
    if (hit) return hit;
    const result = this.search(text, approximate);
    this.found.set(key, result);
    return result;
  }

  private search(text: string, approximate: boolean): EntityMatch[] {
    const tokens = wordTokens(text);
    const words = new Set(tokens);
    const exact = this.match(words, new Map());
    if (exact.length || !approximate) return exact;
    const approx = this.approximate(tokens);
    return approx.size ? this.match(words, approx) : [];
  }

  /**
   * Name tokens found approximately in the text: `"entity:token"` → the text word(s). Candidates are
   * the text's rare words and glued adjacent pairs of them (speech splits names: "city rooms").
   */
  private approximate(tokens: string[]): Map<string, string> {
    const rare = (w: string) => (this.docFreq.get(w) ?? 0) < this.rareDocCount;
    const probes: string[] = [];
    tokens.forEach((w, i) => {
      if (w.length >= 4 && rare(w) && !/\d/.test(w)) probes.push(w);
      const next = tokens[i + 1];
      if (next && (rare(w) || rare(next)) && !/\d/.test(w + next)) probes.push(w + next);
    });
    const found = new Map<string, string>();
    for (const p of new Set(probes)) {
      for (const code of new Set(doubleMetaphone(p))) {
        if (code.length < 3) continue;
        for (const [e, j] of this.byCode.get(code) ?? []) found.set(`${e}:${j}`, p);
      }
      const maxEdits = p.length >= 7 ? 2 : 1;
      for (const f of this.fuzzyTokens) {
        if (Math.abs(f.token.length - p.length) > maxEdits || found.has(`${f.entity}:${f.at}`)) continue;
        if (distance(f.token, p) <= maxEdits) found.set(`${f.entity}:${f.at}`, p);
      }
    }
    return found;
  }

  /** Mentions given the text's words and the approximately found name tokens (empty map: exact only). */
  private match(words: ReadonlySet<string>, approx: ReadonlyMap<string, string>): EntityMatch[] {
    const candidates = new Set<number>();
    for (const w of words) for (const i of this.byToken.get(w) ?? []) candidates.add(i);
    for (const w of words) for (const i of this.byGlued.get(w) ?? []) candidates.add(i);
    for (const k of approx.keys()) candidates.add(Number(k.split(':')[0]));
    const found: EntityMatch[] = [];
    for (const i of candidates) {
      const e = this.entities[i];
      let got = 0;
      let bestIdf = 0;
      let fuzzy = false;
      const matched: string[] = [];
      // a token counts when said as such, or glued to its neighbour ("guesthouse" for "guest house")
      const hit = e.tokens.map(
        (t, j) =>
          words.has(t) ||
          (j + 1 < e.tokens.length && words.has(t + e.tokens[j + 1])) ||
          (j > 0 && words.has(e.tokens[j - 1] + t)),
      );
      e.tokens.forEach((t, j) => {
        if (e.weights[j] <= 0) return;
        if (hit[j]) {
          got += e.weights[j];
          bestIdf = Math.max(bestIdf, e.weights[j]);
          matched.push(t);
        } else if (approx.has(`${i}:${j}`)) {
          got += e.weights[j] * this.fuzzyWeight;
          bestIdf = Math.max(bestIdf, e.weights[j] * this.fuzzyWeight);
          matched.push(t);
          fuzzy = true;
        }
      });
      const coverage = e.total > 0 ? got / e.total : 0;
      if (coverage >= this.minCoverage && bestIdf >= this.minSpecificShare * e.maxIdf) {
        found.push({ key: e.key, coverage, matched, ...(fuzzy ? { fuzzy } : {}) });
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
