import { encodeMulaw, splitChannels, TelephonyUpsampler } from './pcm';

describe('G.711 μ-law and channel splitting', () => {
  it('decodes μ-law per ITU-T G.711 (0xFF and 0x7F are zero, 0x00 and 0x80 full scale)', () => {
    const frame = new Uint8Array([0xff, 0x00, 0x7f, 0x80]);
    const mono = splitChannels(frame, { type: 'audio', format: 'PCMU', channels: ['external'], rate: 8000 });
    expect(Array.from(mono.get('external')!)).toEqual([0, -32124, 0, 32124]);
  });

  it('de-interleaves stereo PCMU in channel order', () => {
    const ext = new Int16Array([1000, -2000, 3000]);
    const int = new Int16Array([-500, 0, 8000]);
    const e = encodeMulaw(ext);
    const i = encodeMulaw(int);
    const frame = new Uint8Array([e[0], i[0], e[1], i[1], e[2], i[2]]);
    const out = splitChannels(frame, {
      type: 'audio',
      format: 'PCMU',
      channels: ['external', 'internal'],
      rate: 8000,
    });
    // μ-law is lossy: within one quantization step (≤ 3 % here)
    out
      .get('external')!
      .forEach((v, k) => expect(Math.abs(v - ext[k])).toBeLessThanOrEqual(Math.abs(ext[k]) * 0.03 + 8));
    out
      .get('internal')!
      .forEach((v, k) => expect(Math.abs(v - int[k])).toBeLessThanOrEqual(Math.abs(int[k]) * 0.03 + 8));
  });

  it('reads L16 as little-endian and de-interleaves it', () => {
    const buf = Buffer.alloc(8);
    buf.writeInt16LE(1234, 0);
    buf.writeInt16LE(-4321, 2);
    buf.writeInt16LE(-1, 4);
    buf.writeInt16LE(32767, 6);
    const out = splitChannels(buf, {
      type: 'audio',
      format: 'L16',
      channels: ['internal', 'external'],
      rate: 8000,
    });
    expect(Array.from(out.get('internal')!)).toEqual([1234, -1]);
    expect(Array.from(out.get('external')!)).toEqual([-4321, 32767]);
  });
});

describe('TelephonyUpsampler', () => {
  const tone = (hz: number, n: number) =>
    Int16Array.from({ length: n }, (_, k) => Math.round(10000 * Math.sin((2 * Math.PI * hz * k) / 8000)));
  const rms = (a: Int16Array, from = 0) =>
    Math.sqrt(a.slice(from).reduce((s, v) => s + v * v, 0) / (a.length - from));

  it('doubles the sample count and keeps a 1 kHz tone at its level, continuously across chunks', () => {
    const up = new TelephonyUpsampler(0);
    const input = tone(1000, 1600);
    const a = up.process(input.subarray(0, 800));
    const b = up.process(input.subarray(800));
    expect(a.length).toBe(1600);
    const out = new Int16Array([...a, ...b]);
    expect(rms(out, 100) / rms(input)).toBeGreaterThan(0.95);
    expect(rms(out, 100) / rms(input)).toBeLessThan(1.05);
    // interpolated samples follow the 16 kHz sine (no zero-stuffing images)
    const ideal = Int16Array.from(
      { length: out.length },
      (_, k) => 10000 * Math.sin((2 * Math.PI * 1000 * (k - 23)) / 16000),
    );
    let err = 0;
    for (let k = 200; k < out.length; k++) err = Math.max(err, Math.abs(out[k] - ideal[k]));
    expect(err).toBeLessThan(400);
  });

  it('adds noise only while there is signal, and deterministically', () => {
    const silence = new TelephonyUpsampler(330).process(new Int16Array(800));
    expect(rms(silence)).toBe(0);
    const x = tone(500, 800);
    const a = new TelephonyUpsampler(330).process(x);
    const b = new TelephonyUpsampler(330).process(x);
    const clean = new TelephonyUpsampler(0).process(x);
    expect(Array.from(a)).toEqual(Array.from(b));
    const diff = Int16Array.from(a, (v, k) => v - clean[k]);
    expect(rms(diff, 200)).toBeGreaterThan(30);
    expect(rms(diff, 200)).toBeLessThan(330);
  });
});
