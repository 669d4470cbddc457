import { selectSummarySentences, type ScoredSentence } from './extractive-summary';

const s = (text: string, importance: number, content: number, contentWords = 3): ScoredSentence => ({
  text,
  importance,
  content,
  contentWords,
});

describe('selectSummarySentences', () => {
  it('keeps the best sentences in transcript order', () => {
    const out = selectSummarySentences(
      [s('A low.', 0, 0.1), s('B high.', 1, 0.9), s('C mid.', 0.2, 0.5), s('D top.', 1, 1)],
      { maxSentences: 2 },
    );
    expect(out).toBe('B high. D top.');
  });

  it('drops sentences without enough content words', () => {
    expect(selectSummarySentences([s('Hi!', 1, 1, 0), s('Thanks.', 1, 1, 1)])).toBeNull();
  });

  it('respects the character budget', () => {
    const long = 'x'.repeat(500) + '.';
    const out = selectSummarySentences([s(long, 1, 1), s('Short one here.', 0.5, 0.5), s(long, 0.9, 0.9)], {
      maxChars: 520,
    });
    expect(out).toBe(`${long} Short one here.`);
  });
});
