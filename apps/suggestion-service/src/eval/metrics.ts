/** Retrieval metrics over ranked document ids (duplicates of a document count once). */
export interface Metrics {
  n: number;
  'recall@1': number;
  'recall@5': number;
  'recall@10': number;
  'mrr@10': number;
  'hit@1': number;
  'hit@5': number;
}

/** Per-dialogue scores, averaged by {@link summarise}. */
export function scoreRanking(ranked: readonly string[], gold: readonly string[]): Omit<Metrics, 'n'> {
  const ids: string[] = [];
  for (const id of ranked) if (!ids.includes(id)) ids.push(id);
  const g = new Set(gold);
  const recall = (k: number) => (g.size ? ids.slice(0, k).filter((id) => g.has(id)).length / g.size : 0);
  const first = ids.slice(0, 10).findIndex((id) => g.has(id));
  const hit = (k: number) => (ids.slice(0, k).some((id) => g.has(id)) ? 1 : 0);
  return {
    'recall@1': recall(1),
    'recall@5': recall(5),
    'recall@10': recall(10),
    'mrr@10': first >= 0 ? 1 / (first + 1) : 0,
    'hit@1': hit(1),
    'hit@5': hit(5),
  };
}

export function summarise(rows: Omit<Metrics, 'n'>[]): Metrics {
  const keys = ['recall@1', 'recall@5', 'recall@10', 'mrr@10', 'hit@1', 'hit@5'] as const;
  const out = { n: rows.length } as Metrics;
  for (const k of keys) out[k] = rows.length ? rows.reduce((a, r) => a + r[k], 0) / rows.length : 0;
  return out;
}
