import { DenseIndex, DenseIndexCache } from './dense-index';

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const index = (rows: { id: string; key: string | null; v: number[] }[]) =>
  new DenseIndex(
    rows.map((r) => r.id),
    rows.map((r) => r.key),
    rows[0].v.length,
    Float32Array.from(rows.flatMap((r) => unit(r.v))),
  );

describe('DenseIndex (exact cosine top-k)', () => {
  const idx = index([
    { id: 'a', key: 'x', v: [1, 0, 0] },
    { id: 'b', key: 'y', v: [1, 1, 0] },
    { id: 'c', key: null, v: [0, 1, 0] },
    { id: 'd', key: 'x', v: [-1, 0, 0] },
    { id: 'e', key: 'y', v: [2, 1, 0] },
  ]);

  it('returns the most similar chunks best first, only with positive cosine', () => {
    const hits = idx.search(unit([1, 0.1, 0]), 10);
    expect(hits.map((h) => h.chunkId)).toEqual(['a', 'e', 'b', 'c']); // d points away
    expect(hits[0].cosine).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
    expect(idx.search(unit([1, 0.1, 0]), 2).map((h) => h.chunkId)).toEqual(['a', 'e']);
  });

  it('restricts to the given entity keys', () => {
    expect(idx.search(unit([0, 1, 0]), 10, new Set(['y'])).map((h) => h.chunkId)).toEqual(['b', 'e']);
    expect(idx.search(unit([0, 1, 0]), 10, new Set(['none']))).toEqual([]);
  });

  it('rejects a query of another dimension and inconsistent shapes', () => {
    expect(() => idx.search([1, 0], 3)).toThrow('query has 2 dimensions, index 3');
    expect(() => new DenseIndex(['a'], ['x'], 3, new Float32Array(4))).toThrow();
  });
});

describe('DenseIndexCache (per KB revision, single-flight, memory budget)', () => {
  const small = () => index([{ id: 'a', key: null, v: [1, 0] }]);

  it('loads once per revision and reloads when the revision changes', async () => {
    const load = jest.fn(async () => small());
    const cache = new DenseIndexCache(load, 1e6);
    const far = performance.now() + 1000;
    const [x, y] = await Promise.all([cache.get('kb', 1, far), cache.get('kb', 1, far)]);
    expect(x).toBe(y);
    expect(load).toHaveBeenCalledTimes(1);
    expect(await cache.get('kb', 1, far)).toBe(x);
    expect(load).toHaveBeenCalledTimes(1);
    const z = await cache.get('kb', 2, far);
    expect(z).not.toBe(x);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('answers "loading" past the deadline and serves the finished load to the next caller', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = new DenseIndexCache(async () => {
      await gate;
      return small();
    }, 1e6);
    expect(await cache.get('kb', 1, performance.now() + 20)).toBe('loading');
    release();
    const later = await cache.get('kb', 1, performance.now() + 1000);
    expect(later).toBeInstanceOf(DenseIndex);
  });

  it('never holds an index larger than the budget, and evicts the least recently used', async () => {
    const big = () => index(Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, key: null, v: [1, i] })));
    const tiny = new DenseIndexCache(async () => big(), 1000);
    expect(await tiny.get('kb', 1, performance.now() + 1000)).toBe('too_large');
    expect(tiny.heldBytes).toBe(0);

    const one = small().bytes;
    const cache = new DenseIndexCache(async () => small(), one * 2);
    const far = performance.now() + 1000;
    await cache.get('a', 1, far);
    await cache.get('b', 1, far);
    await cache.get('c', 1, far);
    expect(cache.heldBytes).toBe(one * 2);
  });

  it('passes a load error to the waiting caller and retries on the next call', async () => {
    let fail = true;
    const cache = new DenseIndexCache(async () => {
      if (fail) throw new Error('db down');
      return small();
    }, 1e6);
    await expect(cache.get('kb', 1, performance.now() + 1000)).rejects.toThrow('db down');
    fail = false;
    expect(await cache.get('kb', 1, performance.now() + 1000)).toBeInstanceOf(DenseIndex);
  });
});
