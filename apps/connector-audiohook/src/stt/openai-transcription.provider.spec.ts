import { iso639, TranscriptionHttpError, utteranceFromTranscription } from './openai-transcription.provider';

const seg = { pcm: new Int16Array(0), sampleRate: 16000 as const, startMs: 10_000, endMs: 13_000 };

describe('OpenAI-compatible transcription mapping', () => {
  it('sends ISO-639-1 language codes', () => {
    expect(iso639('en-US')).toBe('en');
    expect(iso639('PT-br')).toBe('pt');
  });

  it('shifts verbose_json word times (s from the file start) by the segment start (ms in the stream)', () => {
    const u = utteranceFromTranscription(
      {
        text: ' Where is my order? ',
        segments: [{ start: 0, end: 2.9, text: 'Where is my order?', avg_logprob: -0.2 }],
        words: [
          { word: 'Where', start: 0.32, end: 0.6 },
          { word: 'order', start: 1.5, end: 2.1 },
        ],
      },
      seg,
    );
    expect(u).toMatchObject({ text: 'Where is my order?', startMs: 10_320, endMs: 12_100 });
    expect(u?.words.map((w) => w.word)).toEqual(['Where', 'order']);
    expect(u?.confidence).toBeCloseTo(Math.exp(-0.2), 6);
  });

  it('falls back to segment, then file bounds for json answers; empty text gives no utterance', () => {
    expect(utteranceFromTranscription({ text: 'hello' }, seg)).toMatchObject({
      startMs: 10_000,
      endMs: 13_000,
      confidence: undefined,
      words: [],
    });
    expect(utteranceFromTranscription({ text: '   ' }, seg)).toBeNull();
  });

  it('treats 408, 429 and 5xx as transient, other 4xx as permanent', () => {
    expect(
      [400, 401, 403, 404, 413, 415, 422].map((s) => new TranscriptionHttpError(s, '').transient),
    ).toEqual(new Array(7).fill(false));
    expect([408, 429, 500, 502, 503].map((s) => new TranscriptionHttpError(s, '').transient)).toEqual(
      new Array(5).fill(true),
    );
  });
});
