import { abcdTranscript } from '../../test/fixtures/abcd';
import { LibrarySummarizer } from './library-summarizer';

describe('LibrarySummarizer', () => {
  const summarizer = new LibrarySummarizer(3);

  it("extracts the customer's substantive sentences from a real conversation", async () => {
    // ABCD conversation 0: a customer wants to return jeans bought in the wrong size
    const summary = await summarizer.summarize({ transcript: abcdTranscript(0) });
    expect(summary).toBeTruthy();
    // the customer wants to return an item; greetings and bare identifiers are not summary material
    expect(summary).toMatch(/return/i);
    expect(summary).not.toMatch(/^Hi!/);
    expect(summary!.split(/(?<=[.!?])\s/).length).toBeLessThanOrEqual(3);
    expect(summary!.length).toBeLessThanOrEqual(600);
  });

  it('returns null for an empty transcript', async () => {
    expect(await summarizer.summarize({ transcript: [] })).toBeNull();
  });

  it('summarizes bot lines when the customer said nothing', async () => {
    const summary = await summarizer.summarize({
      transcript: [
        {
          role: 'bot',
          text: 'The caller asked about a late refund for order 1234',
          timestamp: '2026-01-01T10:00:00Z',
        },
      ],
    });
    expect(summary).toContain('refund');
  });
});
