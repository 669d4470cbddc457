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
