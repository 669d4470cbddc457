import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { splitChannels } from '../audio/pcm';
import type { SelectedMedium } from '../domain/protocol.schema';
import type { RecognizedUtterance, SpeechToTextProvider } from '../stt/speech-to-text';

const run = promisify(execFile);

/** The medium Genesys sends for a mono customer channel: G.711 μ-law at 8 kHz. */
export const MONO_PCMU: SelectedMedium = {
  type: 'audio',
  format: 'PCMU',
  channels: ['external'],
  rate: 8000,
};

/**
 * Converts an audio file (any format sox reads, e.g. the 16 kHz LibriVox WAVs of `pocketsphinx-testdata`) to
 * telephony audio: 8 kHz mono G.711 μ-law, as Genesys AudioHook sends it, with `tailMs` of silence appended.
 * @returns raw μ-law bytes (8000 per second)
 * @throws Error when sox fails (missing file, unknown format)
 */
export async function telephonyFromFile(path: string, tailMs = 1000): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-speech-'));
  try {
    const raw = join(dir, 'speech.ul');
    await run('sox', [
      path,
      '-t',
      'raw',
      '-r',
      '8000',
      '-c',
      '1',
      '-e',
      'u-law',
      raw,
      'pad',
      '0',
      String(tailMs / 1000),
    ]);
    return new Uint8Array(await readFile(raw));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Text-to-speech voices of the evaluation sets (Debian packages installed by `tools/infra/install-system-deps.sh`). */
export type SynthesisVoice = 'festival' | 'espeak';

/**
 * Synthesizes `text` and converts it with sox to 8 kHz μ-law telephony audio ({@link telephonyFromFile}).
 * Voices: `festival` — Festival's `text2wave` with the CMU ARCTIC "slt" HTS voice (Debian `festival` +
 * `festvox-us-slt-hts`; a statistical parametric voice, close to a human speaker's prosody); `espeak` —
 * espeak-ng (voice `en-us`, `wpm` words per minute; formant synthesis, robotic).
 * @returns raw μ-law bytes (8000 per second)
 * @throws Error when the synthesizer or sox fail (not installed, bad text file)
 */
export async function synthesizeTelephony(
  text: string,
  wpm = 150,
  voice: SynthesisVoice = 'espeak',
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-tts-'));
  try {
    const wav = join(dir, 'speech.wav');
    const txt = join(dir, 'speech.txt');
    // text from a file: never parsed as options, any length
    await writeFile(txt, text);
    if (voice === 'festival')
      await run('text2wave', ['-eval', '(voice_cmu_us_slt_arctic_hts)', '-o', wav, txt]);
    else await run('espeak-ng', ['-v', 'en-us', '-s', String(wpm), '-w', wav, '-f', txt]);
    return await telephonyFromFile(wav);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Result of {@link transcribeTelephony}. */
export interface Transcription {
  /** The final utterances' texts joined by spaces (empty when nothing was recognized). */
  text: string;
  utterances: RecognizedUtterance[];
  /** Audio length, ms. */
  audioMs: number;
  /** Wall time from the first frame to the last utterance, ms. */
  wallMs: number;
}

/**
 * Runs μ-law audio through the connector's own speech path: 200 ms binary frames are decoded as the AudioHook
 * session decodes them ({@link splitChannels}, PCMU mono) and written to one recognizer stream of `provider`,
 * which is then ended (every final utterance delivered). Frames are written as fast as the recognizer takes them.
 * @throws Error when the provider has no stream free or the recognizer fails
 */
export async function transcribeTelephony(
  provider: SpeechToTextProvider,
  pcmu: Uint8Array,
  label = 'eval',
): Promise<Transcription> {
  const utterances: RecognizedUtterance[] = [];
  let failure: Error | undefined;
  const stream = provider.open({
    language: 'en-US',
    label,
    onUtterance: (u) => utterances.push(u),
    onError: (e) => (failure = e),
  });
  if (!stream) throw new Error(`${provider.name}: no recognizer stream available`);
  const t0 = performance.now();
  const frame = 1600; // 200 ms at 8 kHz, 1 byte per sample
  for (let i = 0; i < pcmu.length; i += frame) {
    const pcm = splitChannels(pcmu.subarray(i, i + frame), MONO_PCMU).get('external');
    if (pcm) stream.write(pcm);
  }
  await stream.end();
  if (failure) throw failure;
  return {
    text: utterances
      .map((u) => u.text.trim())
      .filter(Boolean)
      .join(' '),
    utterances,
    audioMs: (pcmu.length / 8000) * 1000,
    wallMs: performance.now() - t0,
  };
}
