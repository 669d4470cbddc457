import { cxSessionId, suggestionFromDetectIntent } from './dialogflow-cx.mapper';

describe('Dialogflow CX → suggestion mapping', () => {
  const intent = 'projects/p-hub-test/locations/global/agents/a1/intents/i-parking';
  const page = 'projects/p-hub-test/locations/global/agents/a1/flows/f1/pages/p1';

  it('joins the text responses, takes the match confidence, and names intent and page as sources', () => {
    const s = suggestionFromDetectIntent({
      queryResult: {
        responseMessages: [
          { text: { text: ['Yes, parking is free.', ' '] } },
          {},
          { text: { text: ['Anything else?'] } },
        ],
        match: {
          intent: { name: intent, displayName: 'hotel.parking' },
          matchType: 'INTENT',
          confidence: 0.83,
        },
        currentPage: { name: page, displayName: 'Hotel info' },
      },
    });
    expect(s.answer).toBe('Yes, parking is free.\n\nAnything else?');
    expect(s.confidence).toBeCloseTo(0.83);
    expect(s.sources).toEqual([
      { documentId: intent, title: 'hotel.parking', score: 0.83 },
      { documentId: page, title: 'Hotel info' },
    ]);
    expect(s.matchType).toBe('INTENT');
  });

  it('NO_MATCH (as enum name or number) gives an empty answer, confidence 0 and no page source', () => {
    for (const matchType of ['NO_MATCH', 4] as const) {
      const s = suggestionFromDetectIntent({
        queryResult: {
          responseMessages: [{ text: { text: ['Sorry, could you say that again?'] } }],
          match: { matchType, confidence: 0.3 },
          currentPage: { name: page, displayName: 'Start' },
        },
      });
      expect(s).toEqual({ answer: '', confidence: 0, sources: [], matchType: 'NO_MATCH' });
    }
  });

  it('clamps confidence to [0, 1] and tolerates an empty response', () => {
    expect(
      suggestionFromDetectIntent({ queryResult: { match: { matchType: 'INTENT', confidence: 1.7 } } })
        .confidence,
    ).toBe(1);
    expect(suggestionFromDetectIntent({})).toEqual({
      answer: '',
      confidence: 0,
      sources: [],
      matchType: 'MATCH_TYPE_UNSPECIFIED',
    });
  });

  it('session ids: ≤ 36 characters, stable per interaction, distinct across tenants and interactions', () => {
    const a = cxSessionId('acme', 'call-1');
    expect(a).toHaveLength(36);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cxSessionId('acme', 'call-1')).toBe(a);
    expect(cxSessionId('acme', 'call-2')).not.toBe(a);
    expect(cxSessionId('globex', 'call-1')).not.toBe(a);
  });
});
