import { utteranceFromVosk, VOSK_EOF } from './vosk.provider';

describe('Vosk results', () => {
  it('maps a final result (word times in s from the stream start) to an utterance in ms', () => {
    const u = utteranceFromVosk({
      text: 'check my order',
      result: [
        { word: 'check', start: 1.02, end: 1.35, conf: 1 },
        { word: 'my', start: 1.35, end: 1.5, conf: 0.8 },
        { word: 'order', start: 1.5, end: 2.04, conf: 0.6 },
      ],
    });
    expect(u).toMatchObject({ text: 'check my order', startMs: 1020, endMs: 2040 });
    expect(u?.confidence).toBeCloseTo(0.8, 6);
    expect(u?.words[1]).toEqual({ word: 'my', startMs: 1350, endMs: 1500, confidence: 0.8 });
  });

  it('ignores partials and empty finals', () => {
    expect(utteranceFromVosk({ partial: 'check my' })).toBeNull();
    expect(utteranceFromVosk({ text: '' })).toBeNull();
  });

  it("ends a stream with asr_server.py's verbatim eof text", () => {
    expect(VOSK_EOF).toBe('{"eof" : 1}');
  });
});
