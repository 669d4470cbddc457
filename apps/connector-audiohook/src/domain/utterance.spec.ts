import { ConversationEventSchema } from '@hub/contracts';
import { eventIdOf, transcriptEntity, utteranceEvent, utteranceIdOf } from './utterance';

const u = {
  text: 'i forgot my password',
  startMs: 940,
  endMs: 2400,
  confidence: 0.74,
  words: [
    { word: 'i', startMs: 940, endMs: 1060, confidence: 0.5 },
    { word: 'password', startMs: 1810, endMs: 2400, confidence: 0.98 },
  ],
};
const ctx = {
  interactionId: 'c0ffee00-0000-4000-8000-000000000001',
  sessionId: 'e160e428-53e2-487c-977d-96989bf5c99d',
  channel: 'external' as const,
  n: 3,
  language: 'en-US',
};

describe('utterance mapping', () => {
  it('builds a valid conversation event: customer speaker, ms offsets, stable utterance id', () => {
    const e = utteranceEvent(ctx, u);
    expect(ConversationEventSchema.parse(e)).toEqual({
      kind: 'utterance',
      interactionId: ctx.interactionId,
      provider: 'genesys',
      utteranceId: `${ctx.sessionId}:external:3`,
      speaker: 'customer',
      text: 'i forgot my password',
      isFinal: true,
      offsetMs: 940,
      durationMs: 1460,
      confidence: 0.74,
      language: 'en-US',
    });
    expect(utteranceEvent({ ...ctx, channel: 'internal' }, u)).toMatchObject({ speaker: 'agent' });
  });

  it('derives deterministic event ids (UUID v5) from the dedupe key', () => {
    const id = eventIdOf(utteranceIdOf(ctx.sessionId, 'external', 3));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdOf(utteranceIdOf(ctx.sessionId, 'external', 3))).toBe(id);
    expect(eventIdOf(utteranceIdOf(ctx.sessionId, 'external', 4))).not.toBe(id);
  });

  it('builds the AudioHook transcript entity with durations and word tokens', () => {
    expect(transcriptEntity(ctx, u)).toMatchObject({
      type: 'transcript',
      data: {
        channel: 'external',
        isFinal: true,
        offset: 'PT0.94S',
        duration: 'PT1.46S',
        alternatives: [
          {
            confidence: 0.74,
            languages: ['en-US'],
            interpretations: [
              {
                type: 'display',
                transcript: 'i forgot my password',
                tokens: [
                  { type: 'word', value: 'i', offset: 'PT0.94S', duration: 'PT0.12S', confidence: 0.5 },
                  {
                    type: 'word',
                    value: 'password',
                    offset: 'PT1.81S',
                    duration: 'PT0.59S',
                    confidence: 0.98,
                  },
                ],
              },
            ],
          },
        ],
      },
    });
  });
});
