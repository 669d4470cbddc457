import { PocketSphinxOutputParser } from './pocketsphinx-output';

const OUTPUT = `
<s> 0.000 0.500 1.000000
</s> 0.510 0.830 1.000000
i forgot my password
<s> 0.880 0.930 1.000100
i 0.940 1.060 0.563399
<sil> 1.070 1.100 0.720624
forgot(2) 1.110 1.590 0.999900
[NOISE] 1.600 1.700 0.683968
my 1.710 1.800 0.9
password 1.810 2.400 0.5
</s> 2.410 2.600 1.000000
`;

describe('PocketSphinxOutputParser', () => {
  it('turns -time yes output into utterances with ms word times, dropping fillers and empty ones', () => {
    const p = new PocketSphinxOutputParser();
    const chunks = [OUTPUT.slice(0, 57), OUTPUT.slice(57, 140), OUTPUT.slice(140)];
    const out = chunks.flatMap((c) => p.push(c));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ text: 'i forgot my password', startMs: 940, endMs: 2400 });
    expect(out[0].words.map((w) => w.word)).toEqual(['i', 'forgot', 'my', 'password']);
    expect(out[0].words[1]).toEqual({ word: 'forgot', startMs: 1110, endMs: 1590, confidence: 0.9999 });
    expect(out[0].confidence).toBeCloseTo((0.563399 + 0.9999 + 0.9 + 0.5) / 4, 3);
  });
});
