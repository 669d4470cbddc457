/** A retrieved passage, as the generators see it. */
export interface Passage {
  chunkId: string;
  documentId: string;
  title: string;
  text: string;
  score: number;
}

/**
 * The extractive answer: the best passage's text, followed by the second one when it comes from
 * another document and fits, capped at `maxChars` characters (cut at a word boundary with "…").
 * Empty string when there are no passages.
 */
export function extractiveAnswer(passages: readonly Passage[], maxChars = 600): string {
  if (!passages.length) return '';
  const parts = [passages[0].text.trim()];
  const second = passages[1];
  if (
    second &&
    second.documentId !== passages[0].documentId &&
    second.score >= 0.5 * passages[0].score &&
    parts[0].length + second.text.length + 1 <= maxChars
  ) {
    parts.push(second.text.trim());
  }
  const answer = parts.join(' ');
  if (answer.length <= maxChars) return answer;
  const cut = answer.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > maxChars / 2 ? cut.slice(0, space) : cut}…`;
}
