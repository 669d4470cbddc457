/**
 * Retrieval confidence in [0, 1] from the ranker's scores: how much of the query's best possible
 * BM25 score the top passage reaches (`top / maxPossible`), damped when the runner-up is almost as
 * good (ambiguous), and raised a little when the conversation named an entity that the top passage
 * is about. 0 when nothing matched.
 * @param top          score of the best passage
 * @param second       score of the second passage (0 if none)
 * @param maxPossible  score a passage matching every query term at saturation would get (> 0)
 * @param entityMatched the conversation named an entity and the top passage belongs to it
 */
export function retrievalConfidence(
  top: number,
  second: number,
  maxPossible: number,
  entityMatched: boolean,
): number {
  if (!(top > 0) || !(maxPossible > 0)) return entityMatched ? 0.2 : 0;
  const coverage = Math.min(1, top / maxPossible);
  const margin = top > 0 ? Math.min(1, (top - Math.max(0, second)) / top) : 0;
  const base = 0.75 * coverage + 0.25 * margin;
  const c = entityMatched ? 0.3 + 0.7 * base : base;
  return Math.max(0, Math.min(1, Math.round(c * 1000) / 1000));
}

/**
 * Confidence of a passage that the dense ranker found: half its cosine similarity to the query,
 * in [0, 0.5]. Cosine scales differ between embedding models, so dense evidence alone never
 * claims more than 0.5; {@link retrievalConfidence} on the passage's lexical score can say more.
 * @param cosine cosine similarity in [-1, 1] (null: not a dense candidate → 0)
 */
export function denseConfidence(cosine: number | null): number {
  if (cosine === null || !(cosine > 0)) return 0;
  return Math.round(Math.min(0.5, 0.5 * cosine) * 1000) / 1000;
}
