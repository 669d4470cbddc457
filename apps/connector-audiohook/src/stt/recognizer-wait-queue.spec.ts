import { RecognizerWaitQueue } from './recognizer-wait-queue';
import { StreamSlots } from './stream-slots';

/** A provider's capacity as the queue sees it, backed by real {@link StreamSlots}. */
function capacity(max: number) {
  const slots = new StreamSlots(max);
  return {
    slots,
    provider: {
      availableStreams: () => slots.available,
      onStreamReleased: (l: () => void) => slots.onReleased(l),
    },
  };
}

describe('StreamSlots', () => {
  it('hands out at most max slots, releases once, and notifies on release', () => {
    const slots = new StreamSlots(2);
    const released: number[] = [];
    slots.onReleased(() => released.push(slots.available));
    const a = slots.acquire()!;
    const b = slots.acquire()!;
    expect(slots.acquire()).toBeNull();
    expect(slots.inUse).toBe(2);
    a();
    a(); // idempotent
    expect(released).toEqual([1]);
    expect(slots.acquire()).not.toBeNull();
    b();
    expect(slots.available).toBe(1);
  });
});

describe('RecognizerWaitQueue', () => {
  it('grants the oldest waiter when a stream is released, one per free stream', () => {
    const { slots, provider } = capacity(1);
    const sizes: number[] = [];
    const queue = new RecognizerWaitQueue(provider, (n) => sizes.push(n));
    const first = slots.acquire()!; // the running session
    const granted: string[] = [];
    const releases: (() => void)[] = [];
    const waiter = (name: string) => ({
      grant: () => {
        granted.push(name);
        releases.push(slots.acquire()!); // opens its recognizer at once
        return true;
      },
    });
    queue.enqueue(waiter('b'));
    queue.enqueue(waiter('c'));
    expect(queue.size).toBe(2);
    queue.drain(); // nothing free: nobody granted
    expect(granted).toEqual([]);
    first(); // the running session ends
    expect(granted).toEqual(['b']);
    expect(queue.size).toBe(1);
    releases[0](); // b ends
    expect(granted).toEqual(['b', 'c']);
    expect(sizes).toEqual([1, 2, 1, 0]);
  });

  it('skips waiters that are gone and honours cancel', () => {
    const { slots, provider } = capacity(1);
    const queue = new RecognizerWaitQueue(provider);
    const running = slots.acquire()!;
    const granted: string[] = [];
    const cancelB = queue.enqueue({ grant: () => (granted.push('b'), true) });
    queue.enqueue({ grant: () => (granted.push('closing'), false) });
    queue.enqueue({ grant: () => (granted.push('d'), slots.acquire() !== null) });
    cancelB();
    cancelB(); // idempotent
    running();
    expect(granted).toEqual(['closing', 'd']);
    expect(queue.size).toBe(0);
  });
});
