import { scoreRanking, summarise } from './metrics';

describe('retrieval metrics (hand-computed)', () => {
  it('recall@k is the share of gold documents in the first k distinct ids; MRR@10 is 1/rank of the first hit', () => {
    // gold b and e; ranked: a b a(dup) c d e … → distinct a b c d e f
    const s = scoreRanking(['a', 'b', 'a', 'c', 'd', 'e', 'f'], ['b', 'e']);
    expect(s['recall@1']).toBe(0); // [a]
    expect(s['recall@5']).toBe(1); // [a b c d e] has both
    expect(s['recall@10']).toBe(1);
    expect(s['mrr@10']).toBe(0.5); // first hit b at rank 2
    expect(s['hit@1']).toBe(0);
    expect(s['hit@5']).toBe(1);
  });

  it('counts only the first 10 ranks for MRR and gives 0 when nothing relevant is retrieved', () => {
    const ranked = Array.from({ length: 12 }, (_, i) => `d${i}`);
    expect(scoreRanking(ranked, ['d10'])['mrr@10']).toBe(0); // rank 11
    expect(scoreRanking(ranked, ['d9'])['mrr@10']).toBeCloseTo(0.1); // rank 10
    expect(scoreRanking(ranked, ['zz'])).toEqual({
      'recall@1': 0,
      'recall@5': 0,
      'recall@10': 0,
      'mrr@10': 0,
      'hit@1': 0,
      'hit@5': 0,
    });
    expect(scoreRanking(ranked, [])['recall@5']).toBe(0);
  });

  it('a partial hit: 1 of 3 gold documents at rank 3', () => {
    const s = scoreRanking(['x', 'y', 'g1', 'z'], ['g1', 'g2', 'g3']);
    expect(s['recall@1']).toBe(0);
    expect(s['recall@5']).toBeCloseTo(1 / 3);
    expect(s['mrr@10']).toBeCloseTo(1 / 3);
  });

  it('summarise averages every metric over dialogues and reports n', () => {
    const m = summarise([
      scoreRanking(['g'], ['g']),
      scoreRanking(['x', 'g'], ['g']),
      scoreRanking(['x'], ['g']),
    ]);
    expect(m.n).toBe(3);
    expect(m['mrr@10']).toBeCloseTo((1 + 0.5 + 0) / 3);
    expect(m['hit@1']).toBeCloseTo(1 / 3);
    expect(m['recall@5']).toBeCloseTo(2 / 3);
    expect(summarise([])).toMatchObject({ n: 0, 'mrr@10': 0 });
  });
});
