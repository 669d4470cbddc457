/** A passage cut from a document section. */
export interface TextChunk {
  /** Section title (document title, or "Document — Heading" for sectioned formats). */
  title: string;
  text: string;
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * Cuts a section into passages of at most `maxChars` characters: paragraphs (blank-line separated)
 * are packed together while they fit; a paragraph longer than the limit is cut at sentence
 * boundaries (`Intl.Segmenter`, UAX #29), and a sentence longer than the limit at whitespace.
 * Whitespace is collapsed. Empty input yields no chunks.
 * @param maxChars upper bound of one chunk's length, characters (default 1200)
 */
export function chunkSection(title: string, text: string, maxChars = 1200): TextChunk[] {
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const pieces: string[] = [];
  for (const p of paragraphs) {
    if (p.length <= maxChars) {
      pieces.push(p);
      continue;
    }
    for (const { segment } of sentenceSegmenter.segment(p)) {
      const s = segment.trim();
      if (!s) continue;
      if (s.length <= maxChars) pieces.push(s);
      else pieces.push(...hardWrap(s, maxChars));
    }
  }
  const chunks: TextChunk[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current && current.length + 1 + piece.length > maxChars) {
      chunks.push({ title, text: current });
      current = '';
    }
    current = current ? `${current} ${piece}` : piece;
  }
  if (current) chunks.push({ title, text: current });
  return chunks;
}

function hardWrap(s: string, maxChars: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line && line.length + 1 + word.length > maxChars) {
      out.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word.slice(0, maxChars);
  }
  if (line) out.push(line);
  return out;
}
