import { VocabularyCorrector, vocabularyFromEntityNames } from './vocabulary-corrector';

// Entity names of the shared hotel/restaurant knowledge base; the heard forms are what Moonshine recognized in the
// spoken dev set (festival voice, 8 kHz μ-law).
const vocabulary = vocabularyFromEntityNames([
  'GOLDEN WOK',
  'LIMEHOUSE',
  'CITYROOMZ',
  'KYMMOY',
  'ACORN GUEST HOUSE',
  'THE LENSFIELD HOTEL',
  'GOLDEN HOUSE',
  "ROSA'S BED AND BREAKFAST",
  'ASK RESTAURANT',
  'LA RAZA',
  'J RESTAURANT',
  'BRIDGE GUEST HOUSE',
  'A AND B GUEST HOUSE',
  'ALLENBELL GUEST HOUSE',
]);
const corrector = new VocabularyCorrector(vocabulary);

describe('VocabularyCorrector', () => {
  it('title-cases knowledge-base entity names into vocabulary phrases', () => {
    expect(vocabulary).toContain('Golden Wok');
    expect(vocabulary).toContain("Rosa's Bed and Breakfast");
    expect(vocabulary).toContain('The Lensfield Hotel');
    expect(vocabularyFromEntityNames(['GOLDEN WOK', 'Golden Wok', 'golden  wok'])).toEqual(['Golden Wok']);
  });

  it.each([
    ['No, I am not interested in the golden walk. Is there anything else?', 'Golden Wok'],
    ['I am looking for a hotel in the Cambridge area called the Lime House.', 'Limehouse'],
    ['What is the star rating and price range of Citrooms?', 'Cityroomz'],
    ['Just to be certain, does Kim Oy share the same area?', 'Kymmoy'],
    ['Do the rooms at A-corn guest house have good views?', 'Acorn Guest House'],
  ])('writes the vocabulary spelling for a near miss: %s', (heard, phrase) => {
    const r = corrector.correct(heard);
    expect(r.text).toContain(phrase);
    expect(r.corrections).toHaveLength(1);
    expect(r.corrections[0].phrase).toBe(phrase);
  });

  it('keeps exact mentions (any case) and the text around replacements', () => {
    const r = corrector.correct('Is the golden house near the golden walk, please?');
    expect(r.text).toBe('Is the golden house near the Golden Wok, please?');
    expect(r.corrections.map((c) => c.heard)).toEqual(['golden walk']);
  });

  it('leaves ordinary requests alone (no false corrections)', () => {
    for (const t of [
      'I would like to check the status of my order. Can you help me find it?',
      'Can I come in and ask about the room rates for the weekend?',
      'Is there free parking and wifi at the hotel in the north?',
      'We need a table for two at a restaurant in the centre tonight.',
      'My account is locked, I forgot my password.',
      'Do they serve breakfast in the restaurant?',
      'Can you find a guest house in the east for me?',
      'Is the bridge near the river open on Sunday?',
    ])
      expect(corrector.correct(t)).toEqual({ text: t, corrections: [] });
  });

  it('matches on the distinctive words: generic ones ("guest", "house", "restaurant") cannot carry a match', () => {
    const r = corrector.correct('I really would like it. If Bridge Guest has to us, then book it.');
    expect(r.corrections).toEqual([{ heard: 'Bridge Guest', phrase: 'Bridge Guest House', distance: 0 }]);
    expect(corrector.correct('I need a restaurant for two').corrections).toEqual([]); // not "J Restaurant"
  });

  it('does nothing without a vocabulary and never matches phrases under 5 letters', () => {
    expect(new VocabularyCorrector([]).correct('golden walk').corrections).toEqual([]);
    const short = new VocabularyCorrector(['Ask', 'Nandos']);
    expect(short.size).toBe(1);
    expect(short.correct('I will ask them').corrections).toEqual([]);
  });
});
