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
