import { mulaw } from 'alawmulaw';
import type { MediaChannel, SelectedMedium } from '../domain/protocol.schema';

/**
 * Splits one AudioHook binary frame into per-channel 16-bit PCM at the medium's rate (8000 Hz).
 * PCMU bytes are G.711 μ-law (decoded with `alawmulaw`); L16 samples are 16-bit signed
 * little-endian. With two channels, samples are interleaved in the order of `medium.channels`
 * (e.g. `external, internal, external, …`).
 *
 * @param frame the binary frame (a whole number of sample frames; checked by the session)
 * @returns one Int16Array per channel (8 kHz samples)
 */
export function splitChannels(frame: Uint8Array, medium: SelectedMedium): Map<MediaChannel, Int16Array> {
  const n = medium.channels.length;
  const out = new Map<MediaChannel, Int16Array>();
  if (medium.format === 'PCMU') {
    const count = Math.floor(frame.length / n);
    medium.channels.forEach((ch, c) => {
      const bytes = new Uint8Array(count);
      for (let i = 0, j = c; i < count; i++, j += n) bytes[i] = frame[j];
      out.set(ch, mulaw.decode(bytes));
    });
  } else {
    const count = Math.floor(frame.length / (2 * n));
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    medium.channels.forEach((ch, c) => {
      const pcm = new Int16Array(count);
      for (let i = 0, j = c * 2; i < count; i++, j += 2 * n) pcm[i] = view.getInt16(j, true);
      out.set(ch, pcm);
    });
  }
  return out;
}

/** Encodes 16-bit PCM as G.711 μ-law (tests and the load generator build PCMU frames with it). */
export function encodeMulaw(pcm: Int16Array): Uint8Array {
  return mulaw.encode(pcm);
}

/** Half-band low-pass FIR (cutoff fs/4 at the output rate), Blackman-windowed sinc, odd length. */
function halfBandTaps(length: number): Float64Array {
  const taps = new Float64Array(length);
  const mid = (length - 1) / 2;
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 0.5 : Math.sin(Math.PI * 0.5 * x) / (Math.PI * x);
    const w =
      0.42 -
      0.5 * Math.cos((2 * Math.PI * i) / (length - 1)) +
      0.08 * Math.cos((4 * Math.PI * i) / (length - 1));
    taps[i] = sinc * w;
    sum += taps[i];
  }
  for (let i = 0; i < length; i++) taps[i] /= sum;
  return taps;
}

/**
 * Streaming 8 kHz → 16 kHz resampler for telephony speech fed to a 16 kHz acoustic model, with
 * optional "noise fill" of the empty 4–8 kHz band.
 *
 * Upsampling: zero-stuffing by 2 followed by a 47-tap half-band low-pass (Blackman-windowed sinc),
 * gain 2; state is kept across calls so frame boundaries are seamless.
 *
 * Noise fill: models trained on wide-band (16 kHz) speech, such as PocketSphinx's `en-us`, compute
 * mel filters up to 6.8 kHz; telephony audio has no energy above 4 kHz, which distorts the cepstra
 * and ruins recognition. Adding low-level noise confined to 4–8 kHz (white noise low-passed by the
 * same filter and shifted up by fs/2, i.e. multiplied by (-1)^n) restores a realistic noise floor
 * there. The noise follows the input's envelope (level = min(cap, 2 × smoothed |x|)), so silence
 * stays silent and the recognizer's voice-activity detector does not take the noise for speech.
 * Measured here on the Debian LibriVox test clips converted to 8 kHz μ-law: without it the clip
 * decodes to gibberish ("her job gosh what what unholy …"), with it the transcript is close to the
 * wide-band one ("… to consider how much there might be personally in his power to do for them").
 * Deterministic (seeded PRNG).
 */
export class TelephonyUpsampler {
  private static readonly TAPS = halfBandTaps(47);
  /** Last input samples (zero-stuffed domain) for filter continuity. */
  private readonly history: Float64Array;
  private readonly noiseHistory: Float64Array;
  private phase = 0;
  private seed: number;
  /** Smoothed |input| (≈12 ms time constant), drives the noise level. */
  private envelope = 0;

  /**
   * @param noiseAmplitude cap of the 4–8 kHz noise amplitude before filtering (16-bit units); 0 disables
   * @param seed PRNG seed (deterministic output)
   * @param envelopeGain noise amplitude per unit of the input's smoothed absolute value
   */
  constructor(
    private readonly noiseAmplitude = 330,
    seed = 0x9e3779b9,
    /** Noise amplitude per unit of input envelope; the level is min(noiseAmplitude, gain × envelope). */
    private readonly envelopeGain = 2,
  ) {
    const n = TelephonyUpsampler.TAPS.length;
    this.history = new Float64Array(n);
    this.noiseHistory = new Float64Array(n);
    this.seed = seed >>> 0;
  }

  /** mulberry32 PRNG → uniform [-1, 1). */
  private random(): number {
    let t = (this.seed = (this.seed + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }

  /**
   * Resamples one chunk.
   * @param input 8 kHz samples
   * @returns 16 kHz samples (twice as many), 16-bit signed
   */
  process(input: Int16Array): Int16Array {
    const taps = TelephonyUpsampler.TAPS;
    const n = taps.length;
    const h = this.history;
    const nh = this.noiseHistory;
    const out = new Int16Array(input.length * 2);
    for (let i = 0; i < out.length; i++) {
      // shift in the next zero-stuffed sample (input sample on even positions, 0 on odd ones)
      h.copyWithin(0, 1);
      if ((i & 1) === 0) {
        const x = input[i >> 1];
        this.envelope = 0.99 * this.envelope + 0.01 * Math.abs(x);
        h[n - 1] = x * 2;
      } else h[n - 1] = 0;
      let acc = 0;
      for (let k = 0; k < n; k++) acc += h[k] * taps[n - 1 - k];
      if (this.noiseAmplitude > 0) {
        nh.copyWithin(0, 1);
        const level =
          this.envelopeGain > 0
            ? Math.min(this.noiseAmplitude, this.envelopeGain * this.envelope)
            : this.noiseAmplitude;
        nh[n - 1] = this.random() * level;
        let nacc = 0;
        for (let k = 0; k < n; k++) nacc += nh[k] * taps[n - 1 - k];
        acc += this.phase === 0 ? nacc : -nacc;
        this.phase ^= 1;
      }
      out[i] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
    }
    return out;
  }
}
