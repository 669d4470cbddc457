import { normalizeForWer, scoreWer } from './wer';

describe('normalizeForWer', () => {
  it('lower-cases, spells digits, maps & and drops punctuation but keeps in-word apostrophes', () => {
    expect(normalizeForWer("I'm looking for a 4-star hotel & a 'quiet' room, OK?")).toBe(
      "i'm looking for a four star hotel and a quiet room ok",
    );
    expect(normalizeForWer('41518 Castle Street')).toBe(
      'forty one thousand five hundred eighteen castle street',
    );
  });
});

describe('scoreWer (NIST sclite)', () => {
  it('counts substitutions, deletions and insertions over the reference words', async () => {
    const s = await scoreWer([
      // 2 deletions ("on", "the") in 6 words
      { id: 'a', reference: 'the cat sat on the mat', hypothesis: 'the cat sat mat' },
      // 1 insertion in 2 words
      { id: 'b', reference: 'Hello, world!', hypothesis: 'hello big world' },
      // 1 substitution in 4 words; digits vs words are not errors
      { id: 'c', reference: 'book 2 rooms please', hypothesis: 'cook two rooms please' },
    ]);
    expect(s.sentences).toBe(3);
    expect(s.referenceWords).toBe(12);
    expect(s.deletions).toBeCloseTo((2 / 12) * 100, 0);
    expect(s.insertions).toBeCloseTo((1 / 12) * 100, 0);
    expect(s.substitutions).toBeCloseTo((1 / 12) * 100, 0);
    expect(s.wer).toBeCloseTo((4 / 12) * 100, 0);
    expect(s.sentenceErrorRate).toBe(100);
  });

  it('is 0 for identical transcripts and rejects an empty set', async () => {
    expect((await scoreWer([{ id: 'x', reference: 'free parking', hypothesis: 'FREE parking.' }])).wer).toBe(
      0,
    );
    await expect(scoreWer([])).rejects.toThrow('no utterances');
  });
});
