import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { forTenant, type PrismaClient } from '@hub/persistence';

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

/**
 * {@link FileStorage} in PostgreSQL (`file_contents`, owned by agent-gateway; bytea, ≤ 100 MiB per row):
 * every replica reads every file, nothing to mount or back up besides the database. Keys are
 * `<tenant>/<fileId>`; the tenant part is stored in `tenant_id`. Suited to chat attachments
 * (FILE_MAX_BYTES, default 10 MiB); bulk media would go to object storage behind the same port. Each
 * statement runs in the key's tenant (row-level security, docs/security/tenancy.md).
 */
export class PostgresFileStorage implements FileStorage {
  constructor(private readonly prisma: PrismaClient) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    const tenantId = tenantOfKey(key);
    await forTenant(this.prisma, tenantId).fileContent.create({
      data: { storageKey: key, tenantId, bytes: new Uint8Array(bytes), sizeBytes: bytes.length },
    });
  }

  async open(key: string): Promise<Readable> {
    const row = await forTenant(this.prisma, tenantOfKey(key)).fileContent.findFirst({
      where: { storageKey: key },
      select: { bytes: true },
    });
    if (!row) throw Object.assign(new Error(`no stored file ${key}`), { code: 'ENOENT' });
    return Readable.from([Buffer.from(row.bytes)]);
  }

  async delete(key: string): Promise<void> {
    await forTenant(this.prisma, tenantOfKey(key)).fileContent.deleteMany({ where: { storageKey: key } });
  }
}

/** The tenant part of a `<tenant>/<fileId>` storage key. @throws Error for a key without one */
function tenantOfKey(key: string): string {
  const tenantId = key.split('/')[0];
  if (!tenantId || tenantId === key) throw new Error(`storage key must be <tenant>/<id>: ${key}`);
  return tenantId;
}
