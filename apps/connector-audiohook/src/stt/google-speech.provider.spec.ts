import { PassThrough } from 'node:stream';
import pino from 'pino';
import { GoogleSpeechToText, protoDurationMs, type StreamingSpeechClient } from './google-speech.provider';
import type { RecognizedUtterance, SpeechToTextProvider } from './speech-to-text';

/**
 * Google Cloud Speech-to-Text cannot be reached here: the provider is tested at its interface with
 * a client double that records the `streamingRecognize` config and audio and replays responses in
 * the shape of `google.cloud.speech.v1.StreamingRecognizeResponse`.
 */
class FakeSpeechClient implements StreamingSpeechClient {
  readonly calls: { config: unknown; audio: Buffer[]; stream: PassThrough }[] = [];
  streamingRecognize(config: unknown) {
    const stream = new PassThrough({ objectMode: true });
    const call = { config, audio: [] as Buffer[], stream };
    stream.on('data', (chunk: Buffer) => {
      if (Buffer.isBuffer(chunk)) call.audio.push(chunk);
    });
    this.calls.push(call);
    return stream;
  }
  respond(i: number, response: unknown) {
    this.calls[i].stream.emit('data', response);
  }
}

const logger = pino({ level: 'silent' });

describe('GoogleSpeechToText (at the interface)', () => {
  it('sends the tenant vocabulary as speechContexts phrase hints', () => {
    const client = new FakeSpeechClient();
    const provider = new GoogleSpeechToText({
      clientFactory: () => client,
      model: 'phone_call',
      maxStreamMs: 290_000,
      maxStreams: 1,
      logger,
    });
    provider.open({
      language: 'en-US',
      label: 't',
      phrases: ['A and B Guest House', 'Cityroomz'],
      onUtterance: () => undefined,
      onError: () => undefined,
    });
    expect(client.calls[0].config).toMatchObject({
      config: { speechContexts: [{ phrases: ['A and B Guest House', 'Cityroomz'] }] },
    });
  });

  it('streams 8 kHz LINEAR16 little-endian audio with word offsets and maps final results to utterances', async () => {
    const client = new FakeSpeechClient();
    const provider = new GoogleSpeechToText({
      clientFactory: () => client,
      model: 'phone_call',
      maxStreamMs: 290_000,
      maxStreams: 2,
      logger,
    });
    const got: RecognizedUtterance[] = [];
    const s = provider.open({
      language: 'en-US',
      label: 't',
      onUtterance: (u) => got.push(u),
      onError: (e) => {
        throw e;
      },
    })!;
    s.write(new Int16Array([1, -2, 300]));
    expect(client.calls[0].config).toEqual({
      config: {
        encoding: 'LINEAR16',
        sampleRateHertz: 8000,
        audioChannelCount: 1,
        languageCode: 'en-US',
        enableWordTimeOffsets: true,
        enableAutomaticPunctuation: true,
        model: 'phone_call',
      },
      interimResults: false,
    });
    expect(client.calls[0].audio[0]).toEqual(Buffer.from([1, 0, 0xfe, 0xff, 0x2c, 0x01]));

    client.respond(0, { results: [{ isFinal: false, alternatives: [{ transcript: 'i forgot' }] }] });
    client.respond(0, {
      results: [
        {
          isFinal: true,
          resultEndTime: { seconds: 3, nanos: 0 },
          alternatives: [
            {
              transcript: 'I forgot my password',
              confidence: 0.92,
              words: [
                {
                  word: 'I',
                  startTime: { seconds: 0, nanos: 900_000_000 },
                  endTime: { seconds: 1, nanos: 0 },
                  confidence: 0.9,
                },
                {
                  word: 'password',
                  startTime: { seconds: 2, nanos: 100_000_000 },
                  endTime: { seconds: 2, nanos: 700_000_000 },
                },
              ],
            },
          ],
        },
      ],
    });
    const ended = s.end();
    client.calls[0].stream.end();
    await ended;
    expect(got).toEqual([
      {
        text: 'I forgot my password',
        startMs: 900,
        endMs: 2700,
        confidence: 0.92,
        words: [
          { word: 'I', startMs: 900, endMs: 1000, confidence: 0.9 },
          { word: 'password', startMs: 2100, endMs: 2700, confidence: 0.92 },
        ],
      },
    ]);
  });

  it('renews the streaming call before the per-stream limit and shifts later results by the audio already sent', async () => {
    const client = new FakeSpeechClient();
    const provider = new GoogleSpeechToText({
      clientFactory: () => client,
      model: 'phone_call',
      maxStreamMs: 1000,
      maxStreams: 2,
      logger,
    });
    const got: RecognizedUtterance[] = [];
    const s = provider.open({
      language: 'en-US',
      label: 't',
      onUtterance: (u) => got.push(u),
      onError: () => undefined,
    })!;
    for (let i = 0; i < 6; i++) s.write(new Int16Array(1600)); // 6 × 200 ms
    expect(client.calls).toHaveLength(2);
    client.respond(1, {
      results: [
        {
          isFinal: true,
          resultEndTime: { seconds: 0, nanos: 150_000_000 },
          alternatives: [{ transcript: 'hello' }],
        },
      ],
    });
    const ended = s.end();
    client.calls.forEach((c) => c.stream.end());
    await ended;
    expect(got[0]).toMatchObject({ text: 'hello', endMs: 1150 });
  });

  it('refuses streams beyond its limit and converts protobuf durations', () => {
    const provider = new GoogleSpeechToText({
      clientFactory: () => new FakeSpeechClient(),
      model: 'x',
      maxStreamMs: 1000,
      maxStreams: 1,
      logger,
    });
    const opts = { language: 'en-US', label: 't', onUtterance: () => undefined, onError: () => undefined };
    const released: number[] = [];
    provider.onStreamReleased(() => released.push(provider.availableStreams()));
    const asProvider: SpeechToTextProvider = provider;
    expect(asProvider.supports('de-DE')).toBe(true);
    const s = provider.open(opts);
    expect(s).not.toBeNull();
    expect(provider.open(opts)).toBeNull();
    expect(provider.availableStreams()).toBe(0);
    s!.destroy(); // frees the stream and tells the listeners (paused sessions get resumed)
    expect(released).toEqual([1]);
    expect(protoDurationMs({ seconds: 2, nanos: 500_000_000 })).toBe(2500);
    expect(protoDurationMs(null)).toBe(0);
  });
});
