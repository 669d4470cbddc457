import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';

// The checked-in document (docs/asyncapi.yaml) is what other-language bot platforms integrate
// against: it must be a valid AsyncAPI 3 document according to the official parser.
describe('docs/asyncapi.yaml', () => {
  it('is a valid AsyncAPI 3.0 document with every topic as a channel', async () => {
    const text = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'asyncapi.yaml'), 'utf8');
    const { document, diagnostics } = await new Parser().parse(text);
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.address()),
    ).toContain('hub.workitem.commands.v1');
  }, 60000);
});
