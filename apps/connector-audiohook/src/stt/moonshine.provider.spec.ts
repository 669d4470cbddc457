import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { splitChannels } from '../audio/pcm';
import { MONO_PCMU, telephonyFromFile, transcribeTelephony } from '../eval/speech-path';
import { normalizeForWer } from '../eval/wer';
import {
  defaultMoonshineModelDir,
  MoonshineSpeechToText,
  type MoonshineDropReason,
} from './moonshine.provider';
import type { RecognizedUtterance } from './speech-to-text';

jest.setTimeout(120_000);

// Real model (tools/models/fetch-models.sh unpacks it from the @moonshine-ai/moonshine-js npm package) on real
// read speech: the LibriVox clips of Debian's pocketsphinx-testdata, as 8 kHz μ-law telephony audio.
const MODEL_DIR = process.env['MOONSHINE_MODEL_DIR'] ?? defaultMoonshineModelDir();
const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';
const CLIP_870 = `${LIBRIVOX}/sense_and_sensibility_01_austen_64kb-0870.wav`;
const CLIP_880 = `${LIBRIVOX}/sense_and_sensibility_01_austen_64kb-0880.wav`;
const logger = pino({ level: 'silent' });

const made: MoonshineSpeechToText[] = [];
afterAll(() => Promise.all(made.map((p) => p.close())));

function provider(over: Partial<ConstructorParameters<typeof MoonshineSpeechToText>[0]> = {}) {
  const dropped: MoonshineDropReason[] = [];
  const p = new MoonshineSpeechToText({
    modelDir: MODEL_DIR,
    maxStreams: 4,
    concurrency: 1,
    threads: 1,
    maxPendingMs: 600_000,
    logger,
    onDropped: (r) => dropped.push(r),
    ...over,
  });
  made.push(p);
  return { p, dropped };
}

/** Word-level edit distance ÷ reference words (the eval uses sclite; this is the same measure for one pair). */
function wer(reference: string, hypothesis: string): number {
  const r = normalizeForWer(reference).split(' ').filter(Boolean);
  const h = normalizeForWer(hypothesis).split(' ').filter(Boolean);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[h.length] / r.length;
}

describe('Moonshine speech to text (in process)', () => {
  it('transcribes real read speech sent as telephony audio, with a confidence', async () => {
    const { p, dropped } = provider();
    const r = await transcribeTelephony(p, await telephonyFromFile(CLIP_870));
    expect(
      wer(
        'and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them',
        r.text,
      ),
    ).toBeLessThanOrEqual(0.1);
    expect(r.utterances.length).toBeGreaterThanOrEqual(1);
    for (const u of r.utterances) {
      expect(u.confidence).toBeGreaterThan(0.3);
      expect(u.confidence).toBeLessThanOrEqual(1);
      expect(u.endMs).toBeGreaterThan(u.startMs);
    }
    expect(dropped).toEqual([]);
    expect(p.availableStreams()).toBe(4); // the stream released its slot at end()
  });

  it('delivers one channel\u2019s utterances in stream order with stream times', async () => {
    const { p } = provider();
    const a = await telephonyFromFile(CLIP_880, 1500);
    const b = await telephonyFromFile(CLIP_870, 1000);
    const pcmu = new Uint8Array(a.length + b.length);
    pcmu.set(a);
    pcmu.set(b, a.length);
    const r = await transcribeTelephony(p, pcmu);
    expect(r.utterances.length).toBeGreaterThanOrEqual(2);
    const first = r.utterances[0];
    const last = r.utterances[r.utterances.length - 1];
    expect(normalizeForWer(first.text)).toContain('not an ill');
    expect(normalizeForWer(last.text)).toContain('power to do for them');
    for (let i = 1; i < r.utterances.length; i++)
      expect(r.utterances[i].startMs).toBeGreaterThanOrEqual(r.utterances[i - 1].endMs - 100);
    expect(last.startMs).toBeGreaterThan((a.length / 8000) * 1000 - 1500);
  });

  it('counts utterances dropped when a channel has more speech waiting than MOONSHINE_MAX_PENDING_MS', async () => {
    const { p, dropped } = provider({ maxPendingMs: 1000 });
    const clip = await telephonyFromFile(CLIP_880, 1200);
    const pcmu = new Uint8Array(clip.length * 3);
    for (let k = 0; k < 3; k++) pcmu.set(clip, k * clip.length);
    const r = await transcribeTelephony(p, pcmu);
    // the first utterance is taken (nothing waiting), the next ones arrive while it is still waiting → dropped
    expect(r.utterances.length).toBeGreaterThanOrEqual(1);
    expect(dropped.filter((d) => d === 'backlog').length).toBeGreaterThanOrEqual(1);
    expect(r.utterances.length + dropped.length).toBe(3);
  });

  it('destroy drops what is not yet transcribed, counted as stream_destroyed, and frees the slot', async () => {
    const { p, dropped } = provider({ maxStreams: 1 });
    const got: RecognizedUtterance[] = [];
    const stream = p.open({
      language: 'en-US',
      label: 't',
      onUtterance: (u) => got.push(u),
      onError: () => undefined,
    });
    if (!stream) throw new Error('no stream');
    expect(p.availableStreams()).toBe(0);
    expect(
      p.open({ language: 'en-US', label: 't2', onUtterance: () => undefined, onError: () => undefined }),
    ).toBeNull();
    const clip = await telephonyFromFile(CLIP_880, 1200);
    for (let k = 0; k < 4; k++)
      for (let i = 0; i < clip.length; i += 1600)
        stream.write(
          splitChannels(clip.subarray(i, i + 1600), MONO_PCMU).get('external') ?? new Int16Array(0),
        );
    // the VAD cuts the four utterances long before the recognizer is through them: stop after the first
    const deadline = Date.now() + 60_000;
    while (!got.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got.length).toBe(1);
    stream.destroy();
    await new Promise((r) => setTimeout(r, 2000));
    expect(p.availableStreams()).toBe(1);
    expect(got.length).toBeLessThan(4);
    expect(dropped.filter((d) => d === 'stream_destroyed').length).toBeGreaterThanOrEqual(1);
    expect(got.length + dropped.length).toBeLessThanOrEqual(4);
    expect(dropped.every((d) => d === 'stream_destroyed')).toBe(true);
  });

  it('has no capacity without its model files and refuses other languages', () => {
    const { p } = provider({ modelDir: mkdtempSync(join(tmpdir(), 'no-moonshine-')) });
    expect(p.installed).toBe(false);
    expect(p.supports('en-US')).toBe(false);
    expect(
      p.open({ language: 'en-US', label: 'x', onUtterance: () => undefined, onError: () => undefined }),
    ).toBeNull();
    const { p: ok } = provider();
    expect(ok.supports('en-GB')).toBe(true);
    expect(ok.supports('de-DE')).toBe(false);
  });
});
