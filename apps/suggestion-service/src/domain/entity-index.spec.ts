import { buildConversationQuery } from './conversation-query';
import { countDocumentFrequencies, EntityIndex } from './entity-index';
import { withWrittenForms } from './text';

const corpus = [
  'The Ashley Hotel has free parking for guests.',
  'Rooms at the Acorn Guest House are quiet.',
  'A and B Guest House allows children.',
  'The hotel restaurant serves breakfast.',
  'Our house rules: no pets in the guest rooms.',
  'The guest house is near the hotel.',
  'Free wifi in every room of the hotel.',
  'Parking is available at the guest house.',
];
const { docFreq, docCount } = countDocumentFrequencies(corpus);
// stop words are reported as occurring everywhere (PostgreSQL does not index them)
for (const w of ['a', 'and', 'the']) docFreq.set(w, docCount);
const index = new EntityIndex(
  ['ASHLEY HOTEL', 'ACORN GUEST HOUSE', 'A AND B GUEST HOUSE'],
  docFreq,
  docCount,
);

describe('EntityIndex', () => {
  it('finds an entity by its distinctive words, case- and punctuation-insensitively', () => {
    expect(index.find('I booked a room at the ashley hotel!').map((m) => m.key)).toEqual(['ashley hotel']);
    expect(index.find('Is the Ashley nice?').map((m) => m.key)).toEqual(['ashley hotel']);
  });

  it('matches names written as one word ("guesthouse")', () => {
    expect(index.find('We stay at the Acorn Guesthouse').map((m) => m.key)).toEqual(['acorn guest house']);
  });

  it('does not take generic words or stop words for a name', () => {
    expect(index.find('Does the hotel have a guest house nearby?')).toEqual([]);
    expect(index.find('It is a guesthouse and it has parking')).toEqual([]);
  });
});

describe('buildConversationQuery', () => {
  it('takes the entity from an earlier turn and weighs the last customer utterance most', () => {
    const q = buildConversationQuery(
      [
        { utteranceId: '1', speaker: 'customer', text: 'I need a hotel in the north.' },
        { utteranceId: '2', speaker: 'agent', text: 'The Ashley Hotel is in the north.' },
        { utteranceId: '3', speaker: 'customer', text: 'Does it have free parking?' },
      ],
      index,
    );
    expect(q.entities).toEqual(['ashley hotel']);
    expect(q.question).toBe('Does it have free parking?');
    expect(q.texts[0]).toEqual({ text: 'does it have free parking', weight: 1 });
    expect(q.texts.slice(1).every((t) => t.weight < 1)).toBe(true);
    // the entity's own words are a filter, not query terms
    expect(q.texts.some((t) => /ashley/i.test(t.text))).toBe(false);
  });

  it('uses the most recent mention when several entities came up', () => {
    const q = buildConversationQuery(
      [
        { utteranceId: '1', speaker: 'customer', text: 'Tell me about the Ashley Hotel.' },
        { utteranceId: '2', speaker: 'customer', text: 'Actually, what about Acorn Guest House?' },
        { utteranceId: '3', speaker: 'customer', text: 'Is it quiet?' },
      ],
      index,
    );
    expect(q.entities).toEqual(['acorn guest house']);
  });

  it('returns an empty query when there is no customer utterance', () => {
    expect(
      buildConversationQuery([{ utteranceId: '1', speaker: 'agent', text: 'Hello' }], index).texts,
    ).toEqual([]);
  });
});

describe('EntityIndex on speech-recognized text', () => {
  const kb = [
    ...corpus,
    'Maharajah Tandoori serves Indian food.',
    'Cityroomz is a cheap hotel in the centre.',
    'The Tandoori Palace is in the west.',
  ];
  const f = countDocumentFrequencies(kb);
  for (const w of ['a', 'and', 'the']) f.docFreq.set(w, f.docCount);
  const names = ['ASHLEY HOTEL', 'ACORN GUEST HOUSE', 'MAHARAJAH TANDOORI', 'CITYROOMZ', 'TANDOORI PALACE'];
  const fuzzyIndex = new EntityIndex(names, f.docFreq, f.docCount);

  it('finds names heard approximately: sound-alike, misspelt, split by the recognizer', () => {
    // "maharaja" (one edit) + "tandoori"
    expect(fuzzyIndex.find('does maharaja tandoori have fun decor').map((m) => m.key)).toEqual([
      'maharajah tandoori',
    ]);
    // "city rooms": two words glued, Double Metaphone STRM = cityroomz
    const m = fuzzyIndex.find('is city rooms cheap');
    expect(m.map((x) => x.key)).toEqual(['cityroomz']);
    expect(m[0].fuzzy).toBe(true);
    // "ashlee hotel": sounds like ashley
    expect(fuzzyIndex.find('is the ashlee hotel nice').map((x) => x.key)).toEqual(['ashley hotel']);
  });

  it('prefers an exact mention and keeps approximate matching off when disabled', () => {
    expect(fuzzyIndex.find('the maharajah tandoori').map((x) => x.fuzzy)).toEqual([undefined]);
    const exactOnly = new EntityIndex(names, f.docFreq, f.docCount, { fuzzy: false });
    expect(exactOnly.find('is city rooms cheap')).toEqual([]);
  });

  it('does not turn ordinary words into names', () => {
    expect(fuzzyIndex.find('is there free parking at the hotel')).toEqual([]);
    expect(fuzzyIndex.find('i would like a room for tonight')).toEqual([]);
  });
});

describe('withWrittenForms', () => {
  it('adds digits after spoken numbers and reads & as and', () => {
    expect(withWrittenForms('a four star hotel for twenty one nights')).toBe(
      'a four 4 star hotel for twenty one 21 nights',
    );
    expect(withWrittenForms('twenty-one people')).toBe('twenty-one 21 people');
    expect(withWrittenForms('A & B')).toBe('A  and  B');
    expect(withWrittenForms('no numbers here')).toBe('no numbers here');
  });

  it('reaches the conversation query', () => {
    const q = buildConversationQuery(
      [{ utteranceId: '1', speaker: 'customer', text: 'is it a four star hotel' }],
      index,
    );
    expect(q.texts[0].text).toContain('four 4 star');
  });
});
