/** Types of the talisman modules used here (the package ships none). */
declare module 'talisman/phonetics/double-metaphone' {
  /** Lawrence Philips' Double Metaphone: `[primary, secondary]` phonetic codes of one word. */
  export default function doubleMetaphone(word: string): [string, string];
}
