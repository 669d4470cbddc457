import { AnswerDeltas } from './answer-deltas';

/** A send that records each delta and resolves when the test says so (`ack`). */
function recorder() {
  const sent: { seq: number; text: string; at: number }[] = [];
  const acks: ((err?: Error) => void)[] = [];
  const send = (seq: number, text: string) =>
    new Promise<void>((resolve, reject) => {
      sent.push({ seq, text, at: Date.now() });
      acks.push((err) => (err ? reject(err) : resolve()));
    });
  /** Acknowledges the oldest unacknowledged send. */
  const ack = async (err?: Error) => {
    acks.shift()?.(err);
    await jest.advanceTimersByTimeAsync(0);
  };
  return { sent, send, ack, outstanding: () => acks.length };
}

describe('AnswerDeltas', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('sends the first piece at once, then coalesces per interval; the texts add up to the trimmed answer', async () => {
    const r = recorder();
    const d = new AnswerDeltas(r.send, { intervalMs: 100, maxChars: 1000 }, undefined, () => Date.now());
    d.push('  \n'); // leading whitespace of the answer never goes out
    expect(r.sent).toEqual([]);
    d.push('Yes');
    expect(r.sent.map((s) => [s.seq, s.text])).toEqual([[1, 'Yes']]);
    await r.ack();
    d.push(', the ');
    d.push('guest ');
    await jest.advanceTimersByTimeAsync(50);
    d.push('house ');
    expect(r.sent).toHaveLength(1); // within the interval: buffered
    await jest.advanceTimersByTimeAsync(50);
    // trailing whitespace is held back until more text follows
    expect(r.sent.map((s) => s.text)).toEqual(['Yes', ', the guest house']);
    expect(r.sent[1].at - r.sent[0].at).toBe(100);
    await r.ack();
    d.push('has parking.\n\n');
    await jest.advanceTimersByTimeAsync(100);
    expect(r.sent.map((s) => s.text)).toEqual(['Yes', ', the guest house', ' has parking.']);
    await r.ack();
    const finished = d.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(await finished).toBe(3); // nothing but trailing whitespace was left
    const all = '  \nYes, the guest house has parking.\n\n';
    expect(r.sent.map((s) => s.text).join('')).toBe(all.trim());
    expect(r.sent.map((s) => s.seq)).toEqual([1, 2, 3]);
  });

  it('keeps one send in flight: pieces arriving meanwhile go out together after the ack', async () => {
    const r = recorder();
    const d = new AnswerDeltas(r.send, { intervalMs: 0, maxChars: 1000 }, undefined, () => Date.now());
    d.push('A');
    d.push('B');
    d.push('C');
    expect(r.sent.map((s) => s.text)).toEqual(['A']);
    expect(r.outstanding()).toBe(1);
    await r.ack();
    expect(r.sent.map((s) => s.text)).toEqual(['A', 'BC']);
    d.push('D');
    const finished = d.finish(); // waits for 'BC', then sends 'D' and waits for it
    await r.ack();
    expect(r.sent.map((s) => s.text)).toEqual(['A', 'BC', 'D']);
    await r.ack();
    expect(await finished).toBe(3);
  });

  it('sends before the interval when maxChars are buffered', async () => {
    const r = recorder();
    const d = new AnswerDeltas(r.send, { intervalMs: 10_000, maxChars: 10 }, undefined, () => Date.now());
    d.push('One');
    await r.ack();
    d.push('two ');
    expect(r.sent).toHaveLength(1);
    d.push('three four');
    expect(r.sent.map((s) => s.text)).toEqual(['One', 'two three four']);
    await r.ack();
    const finished = d.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(await finished).toBe(2);
  });

  it('a failed send ends the deltas (no seq reused) and is reported; finish still resolves', async () => {
    const r = recorder();
    const errors: Error[] = [];
    const d = new AnswerDeltas(
      r.send,
      { intervalMs: 0, maxChars: 1000 },
      (e) => errors.push(e),
      () => Date.now(),
    );
    d.push('Hello');
    await r.ack(new Error('broker unavailable'));
    d.push(' world');
    const finished = d.finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(await finished).toBe(1);
    expect(r.sent.map((s) => s.text)).toEqual(['Hello']);
    expect(errors.map((e) => e.message)).toEqual(['broker unavailable']);
  });

  it('abort drops buffered text and waits for the send in flight', async () => {
    const r = recorder();
    const d = new AnswerDeltas(r.send, { intervalMs: 100, maxChars: 1000 }, undefined, () => Date.now());
    d.push('Partial');
    d.push(' answer');
    let aborted = false;
    const a = d.abort().then(() => (aborted = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(aborted).toBe(false); // 'Partial' still in flight
    await r.ack();
    await a;
    await jest.advanceTimersByTimeAsync(500);
    expect(r.sent.map((s) => s.text)).toEqual(['Partial']);
    d.push('more');
    expect(r.sent).toHaveLength(1);
  });
});
