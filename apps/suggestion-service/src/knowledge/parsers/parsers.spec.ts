import { Readable } from 'node:stream';
import { DocumentFormatError, type ParsedDocument } from './document';
import { parseJsonLines } from './jsonl.parser';
import { parseHtml, parseMarkdown, parsePlainText } from './markup.parser';

async function collect(text: string): Promise<ParsedDocument[]> {
  const out: ParsedDocument[] = [];
  for await (const d of parseJsonLines(Readable.from([text]), { maxLineBytes: 10_000 })) out.push(d);
  return out;
}

describe('parseJsonLines', () => {
  it('reads rows with id/title/text/entity and keeps other fields as metadata', async () => {
    const docs = await collect(
      '{"id": "hotel/0/faq/0", "domain": "hotel", "entity": "A AND B GUEST HOUSE", "title": "Are children welcomed?", "text": "Yes."}\n\n{"id": 7, "title": "", "text": "Plain."}\n',
    );
    expect(docs.map((d) => [d.externalId, d.title, d.entity, d.metadata])).toEqual([
      ['hotel/0/faq/0', 'Are children welcomed?', 'A AND B GUEST HOUSE', { domain: 'hotel' }],
      ['7', '7', null, {}],
    ]);
    expect(docs[0].contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['{"id":"a","title":"t"}', 'line 1: text: Invalid input: expected string, received undefined'],
    [
      '{"id":"a","title":"t","text":"x"}\n{"id":"a","title":"t","text":"y"}',
      'line 2: id: duplicate of line 1',
    ],
    ['{"id":"a","title":"t","text":"x"}\nnot json', 'line 2: invalid JSON'],
    ['{"id":"","title":"t","text":"x"}', 'line 1: id:'],
  ])('rejects %j naming the line and field', async (input, message) => {
    const err = await collect(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DocumentFormatError);
    expect((err as Error).message.startsWith(message)).toBe(true);
  });
});

describe('markup parsers', () => {
  it('splits Markdown into one section per heading with rendered text', () => {
    const d = parseMarkdown('# Refunds\n\nWithin **14 days**.\n\n## Gift cards\n\n- not refundable\n', {
      documentId: 'r',
    });
    expect(d.title).toBe('Refunds');
    expect(d.chunks).toEqual([
      { title: 'Refunds', text: 'Within 14 days.' },
      { title: 'Refunds — Gift cards', text: '* not refundable' },
    ]);
  });
  it('extracts HTML text without scripts, titled by <title>', () => {
    const d = parseHtml(
      '<html><head><title>Shipping</title><script>x()</script></head><body><p>Ships in <b>2 days</b>.</p></body></html>',
      { documentId: 's' },
    );
    expect(d.title).toBe('Shipping');
    expect(d.chunks.map((c) => c.text).join(' ')).toBe('Ships in 2 days.');
  });
  it('titles plain text by its first line and rejects an empty document', () => {
    expect(parsePlainText('Opening hours\n\nWe open at 9.', { documentId: 'h' }).title).toBe('Opening hours');
    expect(() => parsePlainText('  \n ', { documentId: 'e' })).toThrow(DocumentFormatError);
  });
});
