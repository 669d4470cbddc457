import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Synthesizes `text` with espeak-ng (voice `en-us`, 150 wpm) and converts it with sox to 8 kHz mono
 * G.711 μ-law — telephony audio as Genesys sends it — with `leadMs` of silence before and `tailMs`
 * after (so the recognizer's end-of-utterance detector fires while streaming).
 * @returns raw μ-law bytes (8000 per second)
 */
export function synthesizePcmu(text: string, leadMs = 500, tailMs = 1500): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'audiohook-tts-'));
  try {
    const wav = join(dir, 'speech.wav');
    const raw = join(dir, 'speech.ul');
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text]);
    execFileSync('sox', [
      wav,
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
      String(leadMs / 1000),
      String(tailMs / 1000),
    ]);
    return new Uint8Array(readFileSync(raw));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** μ-law silence (0xFF = 0) of `ms` at 8 kHz. */
export function pcmuSilence(ms: number): Uint8Array {
  return new Uint8Array((8000 * ms) / 1000).fill(0xff);
}
