import doubleMetaphone from 'talisman/phonetics/double-metaphone';
import { distance } from 'fastest-levenshtein';

/** One replacement made by {@link VocabularyCorrector.correct}. */
export interface VocabularyCorrection {
  /** The recognized words replaced, as they were in the text. */
  heard: string;
  /** The vocabulary phrase written instead. */
  phrase: string;
  /**
   * Levenshtein distance of the distinctive letters (generic words, spaces and punctuation left out) ÷ the
   * phrase's distinctive letters, in [0, 1).
   */
  distance: number;
}

interface Entry {
  phrase: string;
  letters: string;
  /** The phrase's words, lower case letters only. */
  wordSet: Set<string>;
  /** The phrase's generic words (function words, words of ≥ 4 vocabulary phrases: "restaurant", "guest", …). */
  generic: Set<string>;
  /** Letters of the other words: what has to match ("Golden Wok" → goldenwok, "Ask Restaurant" → ask). */
  distinctive: string;
  /** Letters of its shortest distinctive word: fewer edits than that, so no word is dropped or replaced whole. */
  shortestWord: number;
  codes: string[];
  words: number;
}

interface Token {
  /** Letters and digits of the word, lower case. */
  norm: string;
  start: number;
  end: number;
}

/** Shortest phrase (letters) corrected: shorter names match too many ordinary words. */
const MIN_LETTERS = 5;
/** Shortest distinctive part matched approximately ("J Restaurant": only exact mentions). */
const MIN_DISTINCTIVE = 3;
/** A word of this many vocabulary phrases is generic ("restaurant", "hotel", "guest", "house"). */
const GENERIC_DF = 4;
/** Letter distance accepted on its own (≤ 2 edits in 10 letters). */
const CLOSE = 0.2;
/** Letter distance accepted when the Double Metaphone codes agree too. */
const CLOSE_AND_SOUNDS_ALIKE = 0.34;

/**
 * Function words: a run of recognized words that contains one the phrase does not ("at a restaurant" for "Ask
 * Restaurant") is ordinary speech, not a misheard name.
 */
const FUNCTION_WORDS = new Set(
  'a an the at to in on of for from with and or but is are was be been it its i you we they he she my your our me us them this that these those there here so do does did if no not can could will would should may might have has had am as by'.split(
    ' ',
  ),
);

const lettersOf = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const wordsOf = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** Double Metaphone codes of glued letters (both codes; an empty one dropped). */
function codesOf(letters: string): string[] {
  const digitsFree = letters.replace(/[0-9]/g, '');
  if (!digitsFree) return [];
  return [...new Set(doubleMetaphone(digitsFree))].filter((c) => c.length >= 2);
}

/**
 * Writes the tenant's vocabulary (hotel, restaurant, product names — from the integration's `vocabulary`, typically
 * the knowledge base's entity names) into recognized text where the recognizer heard something that is spelled or
 * sounds almost the same: "golden walk" → "Golden Wok", "Lime House" → "Limehouse", "Citrooms" → "Cityroomz",
 * "Kim Oy" → "Kymmoy", "Bridge Guest" → "Bridge Guest House". A run of 1 to (phrase words + 1) recognized words
 * (its letters within a third of the phrase's length) is compared with each phrase on their **distinctive** letters —
 * spaces, punctuation and the phrase's generic words (function words, and words of ≥ 4 vocabulary phrases such as
 * "restaurant" or "guest") left out: accepted when the Levenshtein distance (`fastest-levenshtein`) is at most 0.2
 * of the phrase's distinctive letters, or at most 0.34 when their Double Metaphone codes (`talisman`) agree too.
 * Exact mentions stay; phrases under 5 letters, or with under 3 distinctive letters ("J Restaurant"), only match
 * exactly, and fewer edits than the phrase's shortest distinctive word are allowed (no word dropped whole: "restaurant"
 * is not "J Restaurant"); a run holding a function word the phrase lacks ("at a restaurant") is ordinary speech; overlapping
 * candidates are resolved closest first. Engine-independent: works for engines that take no hints (Moonshine,
 * PocketSphinx) and after those that do.
 */
export class VocabularyCorrector {
  private readonly entries: Entry[];
  private readonly maxWords: number;

  /**
   * @param phrases the vocabulary; duplicates (by letters) and phrases under 5 letters are dropped
   * @param thresholds letter-distance limits (fractions of the phrase's letters): `close` alone (default 0.2),
   *        `soundsAlike` with agreeing Double Metaphone codes (default 0.34)
   */
  constructor(
    phrases: readonly string[],
    private readonly thresholds: { close: number; soundsAlike: number } = {
      close: CLOSE,
      soundsAlike: CLOSE_AND_SOUNDS_ALIKE,
    },
  ) {
    const seen = new Set<string>();
    const kept: { phrase: string; letters: string; words: string[] }[] = [];
    for (const raw of phrases) {
      const phrase = raw.trim().replace(/\s+/g, ' ');
      const letters = lettersOf(phrase);
      if (letters.length < MIN_LETTERS || seen.has(letters)) continue;
      seen.add(letters);
      kept.push({ phrase, letters, words: phrase.split(' ').map(lettersOf).filter(Boolean) });
    }
    const df = new Map<string, number>();
    for (const k of kept) for (const w of new Set(k.words)) df.set(w, (df.get(w) ?? 0) + 1);
    this.entries = kept.map((k) => {
      const generic = new Set(k.words.filter((w) => FUNCTION_WORDS.has(w) || (df.get(w) ?? 0) >= GENERIC_DF));
      const distinctiveWords = k.words.filter((w) => !generic.has(w));
      const distinctive = distinctiveWords.join('');
      return {
        phrase: k.phrase,
        letters: k.letters,
        wordSet: new Set(k.words),
        generic,
        distinctive,
        shortestWord: Math.min(...distinctiveWords.map((w) => w.length)),
        codes: codesOf(distinctive),
        words: k.words.length,
      };
    });
    this.maxWords = Math.max(0, ...this.entries.map((e) => e.words));
  }

  /** Phrases in use. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * @param text recognized text (any casing and punctuation)
   * @returns the text with close mentions replaced by the vocabulary's spelling, and what was replaced
   */
  correct(text: string): { text: string; corrections: VocabularyCorrection[] } {
    if (!this.entries.length || !text) return { text, corrections: [] };
    const tokens: Token[] = [];
    for (const m of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)) {
      const norm = lettersOf(m[0]);
      if (norm) tokens.push({ norm, start: m.index, end: m.index + m[0].length });
    }
    type Candidate = { from: number; to: number; entry: Entry; d: number };
    const candidates: Candidate[] = [];
    for (let from = 0; from < tokens.length; from++) {
      let glued = '';
      for (let to = from; to < Math.min(tokens.length, from + this.maxWords + 1); to++) {
        glued += tokens[to].norm;
        const span = to - from + 1;
        for (const entry of this.entries) {
          if (
            span > entry.words + 1 ||
            Math.abs(glued.length - entry.letters.length) > entry.letters.length / 3
          )
            continue;
          let ordinary = false;
          let distinct = '';
          for (let i = from; i <= to; i++) {
            const w = tokens[i].norm;
            ordinary ||= FUNCTION_WORDS.has(w) && !entry.wordSet.has(w);
            if (!entry.generic.has(w)) distinct += w;
          }
          if (ordinary) continue;
          let d: number;
          if (glued === entry.letters) d = 0;
          else {
            if (entry.distinctive.length < MIN_DISTINCTIVE || !distinct) continue;
            const edits = distance(distinct, entry.distinctive);
            if (edits >= entry.shortestWord) continue;
            d = edits / entry.distinctive.length;
            if (d > this.thresholds.soundsAlike) continue;
            if (d > this.thresholds.close && !codesOf(distinct).some((c) => entry.codes.includes(c)))
              continue;
          }
          candidates.push({ from, to, entry, d });
        }
      }
    }
    // closest first, then longest; a mention that is already exact is kept as it was (d = 0, same spelling)
    candidates.sort((a, b) => a.d - b.d || b.to - b.from - (a.to - a.from));
    const taken = new Array<boolean>(tokens.length).fill(false);
    const chosen: Candidate[] = [];
    for (const c of candidates) {
      let free = true;
      for (let i = c.from; i <= c.to; i++) free &&= !taken[i];
      if (!free) continue;
      for (let i = c.from; i <= c.to; i++) taken[i] = true;
      chosen.push(c);
    }
    chosen.sort((a, b) => a.from - b.from);
    let out = '';
    let at = 0;
    const corrections: VocabularyCorrection[] = [];
    for (const c of chosen) {
      const start = tokens[c.from].start;
      const end = tokens[c.to].end;
      const heard = text.slice(start, end);
      if (wordsOf(heard) === wordsOf(c.entry.phrase)) continue; // already the phrase, up to case

      out += text.slice(at, start) + c.entry.phrase;
      at = end;
      corrections.push({ heard, phrase: c.entry.phrase, distance: +c.d.toFixed(3) });
    }
    return { text: out + text.slice(at), corrections };
  }
}

/** One corrector per vocabulary list (the tenant repository caches its tenants, so connections share the list). */
const correctors = new WeakMap<readonly string[], VocabularyCorrector>();

/**
 * The corrector of a tenant vocabulary, built once per list object and shared by every session of the tenant
 * until the tenant cache hands out a new list.
 */
export function vocabularyCorrectorFor(vocabulary: readonly string[]): VocabularyCorrector {
  let c = correctors.get(vocabulary);
  if (!c) correctors.set(vocabulary, (c = new VocabularyCorrector(vocabulary)));
  return c;
}

export { vocabularyFromEntityNames } from '@hub/integrations';
