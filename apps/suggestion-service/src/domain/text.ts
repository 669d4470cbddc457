import { toWords } from 'number-to-words';

/**
 * Word tokens of a text for entity matching: Unicode-normalised (NFKD, diacritics dropped),
 * lower-cased, `&` read as "and", possessive/inner apostrophes removed ("Rosa's" → "rosas"),
 * split on anything that is not a letter or digit.
 */
export function wordTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/(\p{L})['’](\p{L})/gu, '$1$2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Canonical key of an entity name (lower-cased, tokens joined by one space). */
export function entityKey(name: string): string {
  return wordTokens(name).join(' ');
}

/** Number words ("zero" … "ninety-nine", from `number-to-words`) → digits, built once. */
const NUMBER_WORDS: ReadonlyMap<string, string> = new Map(
  Array.from({ length: 100 }, (_, n) => [toWords(n).replace(/-/g, ' '), String(n)] as const),
);

/**
 * Spoken forms next to written ones, for query text from speech recognition (lower case, no
 * punctuation, numbers as words): "&" is read as "and" (as in {@link wordTokens}) and every number
 * said in words up to ninety-nine ("four", "twenty one", "twenty-one") is followed by its digits
 * ("four star" → "four 4 star"), so the query matches documents that write either form. Text
 * without number words is returned unchanged apart from "&".
 */
export function withWrittenForms(text: string): string {
  const words = text.replace(/&/g, ' and ').split(/(\s+)/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const bare = w.toLowerCase().replace(/[^\p{L}-]/gu, '');
    // "twenty one" / "twenty-one": two words when the pair is a number
    const pair = `${bare} ${(words[i + 2] ?? '').toLowerCase().replace(/[^\p{L}]/gu, '')}`;
    if (NUMBER_WORDS.has(pair) && /^(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)$/.test(bare)) {
      out.push(w, words[i + 1], words[i + 2], ` ${NUMBER_WORDS.get(pair)}`);
      i += 2;
      continue;
    }
    const single = NUMBER_WORDS.get(bare.replace(/-/g, ' '));
    out.push(single !== undefined ? `${w} ${single}` : w);
  }
  return out.join('');
}
