import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where shared files' bytes live. Keys are opaque relative names chosen by the gateway
 * (`<tenant>/<fileId>`); implementations must not let a key escape their root.
 */
export interface FileStorage {
  /** Stores the bytes under `key` (replacing nothing: keys are unique). */
  put(key: string, bytes: Buffer): Promise<void>;
  /** A stream of the bytes. @throws Error with code `ENOENT` if missing */
  open(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
}

export const FILE_STORAGE = Symbol('FILE_STORAGE');

/** {@link FileStorage} on the local disk under `root` (default backend; one replica or a shared volume). */
export class LocalDiskFileStorage implements FileStorage {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const p = resolve(join(this.root, key));
    if (!p.startsWith(this.root + sep)) throw new Error(`storage key escapes the root: ${key}`);
    return p;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    const tmp = `${p}.part`;
    await writeFile(tmp, bytes);
    await rename(tmp, p); // readers never see a half-written file
  }

  async open(key: string): Promise<Readable> {
    const p = this.path(key);
    await stat(p);
    return createReadStream(p);
  }

  async delete(key: string): Promise<void> {
    await unlink(this.path(key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
}
