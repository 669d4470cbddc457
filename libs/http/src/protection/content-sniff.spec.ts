import { deflateSync } from 'node:zlib';
import { contentMismatch, detectedTypes, TextContentGuard } from './content-sniff';

const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), deflateSync('x')]);
const pdf = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 'latin1');

describe('content sniffing (magic-bytes.js + UTF-8)', () => {
  it('recognises signatures', () => {
    expect(detectedTypes(png)).toContain('image/png');
    expect(detectedTypes(pdf)).toContain('application/pdf');
    expect(detectedTypes(Buffer.from('plain words'))).toEqual([]);
  });

  it('accepts a file whose content matches the declared type, refuses one that does not', () => {
    expect(contentMismatch(png, 'image/png')).toBeNull();
    expect(contentMismatch(pdf, 'image/png')).toBe('content is application/pdf, not image/png');
    expect(contentMismatch(Buffer.from('hello'), 'image/png')).toBe(
      'content is not image/png (unrecognised signature)',
    );
  });

  it('text types must be UTF-8 text: a PNG labelled text/plain is refused, BMW-like text is not a BMP', () => {
    expect(contentMismatch(Buffer.from('BMW drivers ask: where is my refund? ✓'), 'text/plain')).toBeNull();
    expect(contentMismatch(png, 'text/plain')).toBe('content is image/png, not text');
    expect(contentMismatch(Buffer.from([0x61, 0xff, 0x62]), 'text/csv')).toBe('content is not valid UTF-8');
    expect(contentMismatch(Buffer.from('a\u0000b'), 'text/plain')).toBe(
      'content contains binary control bytes',
    );
  });

  it('checks streamed text chunk by chunk, across split UTF-8 sequences', () => {
    const g = new TextContentGuard();
    const euro = Buffer.from('€'); // 3 bytes
    expect(g.push(euro.subarray(0, 1))).toBeNull();
    expect(g.push(euro.subarray(1))).toBeNull();
    expect(g.end()).toBeNull();
    const cut = new TextContentGuard();
    expect(cut.push(euro.subarray(0, 2))).toBeNull();
    expect(cut.end()).toMatch(/truncated/);
  });
});
