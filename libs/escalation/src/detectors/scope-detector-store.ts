import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmbeddingModel } from '@hub/embeddings';
import {
  ScopeDetector,
  type ScopeDetectorOptions,
  type ScopeDetectorSnapshot,
  type ScopeExample,
} from './scope-detector';

/**
 * Version of the stored format **and of the training procedure**: part of every key, so a file written by an
 * older training code (other epochs, another classifier default …) is never read back. Bump it whenever
 * `ScopeDetector.train`, `SoftmaxRegression.train` or a default option changes what gets trained.
 */
export const SCOPE_DETECTOR_FORMAT = 1;

/** How {@link ScopeDetectorStore.trainOrLoad} obtained the detector. */
export interface StoredScopeDetector {
  detector: ScopeDetector;
  /** The scope hash the file is named after ({@link ScopeDetectorStore.key}). */
  key: string;
  /** `stored`: read from the file; `trained`: trained now (and written to the file). */
  source: 'stored' | 'trained';
  /** Wall-clock milliseconds spent reading or training (embedding included). */
  ms: number;
}

/** Serialises a value whose leaves may be Float32Array / Float64Array: a JSON line, then the arrays' bytes. */
function encode(value: unknown): Buffer {
  const blobs: Buffer[] = [];
  let offset = 0;
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Float32Array || v instanceof Float64Array) {
      const pad = (8 - (offset % 8)) % 8;
      if (pad) blobs.push(Buffer.alloc(pad));
      offset += pad;
      const ref = { $typed: v instanceof Float32Array ? 'f32' : 'f64', offset, length: v.length };
      blobs.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      offset += v.byteLength;
      return ref;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  });
  return Buffer.concat([Buffer.from(json + '\n', 'utf8'), ...blobs]);
}

/** Inverse of {@link encode}. @throws Error when the file is truncated or not of this format. */
function decode(buf: Buffer): unknown {
  const nl = buf.indexOf(10);
  if (nl < 0) throw new Error('no header line');
  const body = buf.subarray(nl + 1);
  return JSON.parse(buf.subarray(0, nl).toString('utf8'), (_k, v: unknown) => {
    if (v && typeof v === 'object' && '$number' in v) return Number((v as { $number: string }).$number);
    if (v && typeof v === 'object' && '$typed' in v) {
      const r = v as { $typed: 'f32' | 'f64'; offset: number; length: number };
      const width = r.$typed === 'f32' ? 4 : 8;
      const end = r.offset + r.length * width;
      if (end > body.length) throw new Error('truncated file');
      // copy: the file buffer's offset need not be aligned for a typed-array view
      const bytes = body.buffer.slice(body.byteOffset + r.offset, body.byteOffset + end);
      return r.$typed === 'f32' ? new Float32Array(bytes) : new Float64Array(bytes);
    }
    return v;
  });
}

/** JSON with object keys sorted, so equal options give equal hashes whatever their key order. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/**
 * Trained scope detectors on disk, one file per scope hash, so a service start (or a second `eval:oos`) reads
 * the tenant's detector instead of embedding its scope and training the classifier again. The hash covers
 * {@link SCOPE_DETECTOR_FORMAT}, the embedding model id, the training options and every example (text and
 * intent, in order): any change to the scope trains anew. A file is the detector's {@link ScopeDetectorSnapshot}
 * (classifier weights, the examples' vectors for the neighbour gate, the thresholds) — a JSON header line and
 * the float arrays' bytes; ≈ 4·(examples + intents·members)·dims bytes (≈ 48 MB for CLINC150's 15,000 × 768 with
 * a five-member ensemble). Files are written to a temporary name and renamed, so a reader never sees half a file;
 * an unreadable or mismatching file is treated as absent (trained again and overwritten).
 */
export class ScopeDetectorStore {
  constructor(readonly dir: string) {}

  /** The scope hash (hex SHA-256) of a model, a scope and training options. */
  static key(modelId: string, examples: readonly ScopeExample[], options: ScopeDetectorOptions = {}): string {
    const h = createHash('sha256');
    h.update(JSON.stringify({ format: SCOPE_DETECTOR_FORMAT, modelId, options: canonical(options) }));
    for (const e of examples) h.update(`\n${JSON.stringify([e.text, e.intent])}`);
    return h.digest('hex');
  }

  /** The file of a key. */
  path(key: string): string {
    return join(this.dir, `${key}.scope-detector`);
  }

  /** The stored detector of `key` over `model`, or null when there is none (or it cannot be read back). */
  async load(model: EmbeddingModel, key: string): Promise<ScopeDetector | null> {
    let buf: Buffer;
    try {
      buf = await readFile(this.path(key));
    } catch {
      return null;
    }
    try {
      const stored = decode(buf) as { format: number; key: string; snapshot: ScopeDetectorSnapshot };
      if (stored.format !== SCOPE_DETECTOR_FORMAT || stored.key !== key) return null;
      return ScopeDetector.fromSnapshot(model, stored.snapshot);
    } catch {
      return null;
    }
  }

  /** Writes the detector under `key` (atomically: temporary file, then rename). Rejects on a file-system error. */
  async save(key: string, detector: ScopeDetector): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.path(key);
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    const body = encode({ format: SCOPE_DETECTOR_FORMAT, key, snapshot: detector.toSnapshot() });
    try {
      await writeFile(tmp, body);
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /**
   * The stored detector of this model, scope and options; else trains it ({@link ScopeDetector.train}) and
   * stores it. Rejects as `ScopeDetector.train` does, or on a file-system error while saving.
   */
  async trainOrLoad(
    model: EmbeddingModel,
    examples: ScopeExample[],
    options: ScopeDetectorOptions = {},
  ): Promise<StoredScopeDetector> {
    const started = performance.now();
    const key = ScopeDetectorStore.key(model.id, examples, options);
    const stored = await this.load(model, key);
    if (stored) return { detector: stored, key, source: 'stored', ms: performance.now() - started };
    const detector = await ScopeDetector.train(model, examples, options);
    await this.save(key, detector);
    return { detector, key, source: 'trained', ms: performance.now() - started };
  }
}
