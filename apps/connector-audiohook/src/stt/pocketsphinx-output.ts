import type { RecognizedUtterance, RecognizedWord } from './speech-to-text';

const WORD_LINE = /^(\S+) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)$/;

/** Filler and sentence markers of the PocketSphinx dictionary (`<s>`, `</s>`, `<sil>`, `[NOISE]` …). */
function isFiller(token: string): boolean {
  return token.startsWith('<') || token.startsWith('[') || token.startsWith('++');
}

/**
 * Incremental parser of `pocketsphinx_continuous -time yes` standard output. After each
 * utterance it prints the hypothesis on one line, then one line per segment
 * `<word> <start s> <end s> <posterior>` from `<s>` to `</s>`; times are seconds from the start of
 * the input. Alternate pronunciations are marked `word(2)`.
 *
 * Feed it output chunks; it returns completed utterances (empty hypotheses are dropped).
 */
export class PocketSphinxOutputParser {
  private buffer = '';
  private words: RecognizedWord[] = [];
  private inSegments = false;

  /** @returns utterances completed by this chunk */
  push(chunk: string): RecognizedUtterance[] {
    this.buffer += chunk;
    const out: RecognizedUtterance[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      const u = this.line(line);
      if (u) out.push(u);
    }
    return out;
  }

  private line(line: string): RecognizedUtterance | null {
    const m = WORD_LINE.exec(line);
    if (!m) {
      // a hypothesis line (possibly empty) starts a new utterance block
      this.words = [];
      this.inSegments = false;
      return null;
    }
    const token = m[1];
    if (token === '<s>') {
      this.inSegments = true;
      this.words = [];
      return null;
    }
    if (token === '</s>') {
      const words = this.words;
      this.words = [];
      this.inSegments = false;
      return words.length ? toUtterance(words) : null;
    }
    if (!this.inSegments || isFiller(token)) return null;
    this.words.push({
      word: token.replace(/\(\d+\)$/, ''),
      startMs: Math.round(Number(m[2]) * 1000),
      endMs: Math.round(Number(m[3]) * 1000),
      confidence: Math.min(1, Math.max(0, Number(m[4]))),
    });
    return null;
  }
}

function toUtterance(words: RecognizedWord[]): RecognizedUtterance {
  const confidence = words.reduce((s, w) => s + w.confidence, 0) / words.length;
  return {
    text: words.map((w) => w.word).join(' '),
    startMs: words[0].startMs,
    endMs: words[words.length - 1].endMs,
    confidence: Math.round(confidence * 1000) / 1000,
    words,
  };
}
