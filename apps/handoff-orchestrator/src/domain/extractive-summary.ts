/** A candidate sentence of an extractive summary, in transcript order. */
export interface ScoredSentence {
  text: string;
  /** Salience from the NLP library (wink-nlp `sentenceWiseImportance`), 0…1. */
  importance: number;
  /** Content score: how much of the conversation's recurring vocabulary the sentence carries, 0…1. */
  content: number;
  /** Content words (non-stop words) in the sentence. */
  contentWords: number;
}

/**
 * Picks the sentences of an extractive summary: drops sentences with fewer than `minContentWords`
 * content words (greetings, "thanks", bare names), ranks the rest by `importance + content`
 * (ties: earlier first), keeps the best `maxSentences` whose total length stays within `maxChars`,
 * and returns them in their original order joined by a space. Pure.
 *
 * @returns the summary, or `null` when no sentence qualifies
 */
export function selectSummarySentences(
  sentences: readonly ScoredSentence[],
  { maxSentences = 3, maxChars = 600, minContentWords = 2 } = {},
): string | null {
  const ranked = sentences
    .map((s, index) => ({ ...s, index, score: s.importance + s.content }))
    .filter((s) => s.contentWords >= minContentWords)
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const chosen: typeof ranked = [];
  let chars = 0;
  for (const s of ranked) {
    if (chosen.length >= maxSentences) break;
    const len = s.text.length + (chosen.length ? 1 : 0);
    if (chars + len > maxChars) continue;
    chosen.push(s);
    chars += len;
  }
  if (!chosen.length) return null;
  return chosen
    .sort((a, b) => a.index - b.index)
    .map((s) => s.text)
    .join(' ');
}
