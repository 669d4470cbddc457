import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * What a wrapped data key is bound to: it unwraps only for the same tenant and integration
 * (the AAD of the wrap, or the `EncryptionContext` of a KMS call).
 */
export interface EncryptionContext {
  tenantId: string;
  integrationId: string;
}

/** A data key wrapped by a key-encryption key, with the id of that KEK. */
export interface WrappedKey {
  /** Id of the KEK that wrapped it (stored beside the ciphertext, selects the KEK to unwrap). */
  keyId: string;
  /** Opaque bytes (env provider: 12-byte IV ‖ 16-byte GCM tag ‖ 32-byte ciphertext). */
  wrappedKey: Buffer;
}

/** No KEK with this id is configured (rotation dropped it too early), or the wrapped key is not authentic. */
export class KeyUnwrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyUnwrapError';
  }
}

/**
 * The port behind which key-encryption keys live. Data keys never leave the process unwrapped.
 *
 * - Environment implementation: {@link EnvKeyEncryptionKeyProvider} (AES-256-GCM key wrap with a KEK
 *   from `HUB_SECRETS_KEK`).
 * - AWS KMS implementation: `AwsKmsKeyEncryptionKeyProvider` (`HUB_SECRETS_KEK_PROVIDER=aws-kms`):
 *   `generate` = `GenerateDataKey`, `wrap` = `Encrypt`, `unwrap` = `Decrypt`, each with
 *   `EncryptionContext = {tenantId, integrationId}`.
 */
export interface KeyEncryptionKeyProvider {
  /** Id of the KEK new data keys are wrapped with. */
  readonly currentKeyId: string;
  /** Wraps a 32-byte data key under the current KEK, bound to `context`. */
  wrap(dataKey: Buffer, context: EncryptionContext): Promise<WrappedKey>;
  /**
   * Unwraps a data key wrapped by KEK `keyId` for the same `context`.
   * @throws KeyUnwrapError unknown key id, or wrapped key / context not authentic
   */
  unwrap(wrapped: WrappedKey, context: EncryptionContext): Promise<Buffer>;
  /**
   * Optional: a fresh 32-byte data key together with its wrap (a KMS's `GenerateDataKey`, one call
   * instead of local randomness + `wrap`). {@link SecretsCipher} uses it when present.
   */
  generate?(context: EncryptionContext): Promise<{ dataKey: Buffer; wrapped: WrappedKey }>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AAD of a key wrap: version, KEK id, tenant and integration (so a wrapped key cannot be moved between rows). */
export function wrapAad(keyId: string, ctx: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(['hub-kek-wrap/v1', keyId, ctx.tenantId, ctx.integrationId]), 'utf8');
}

/**
 * {@link KeyEncryptionKeyProvider} with 256-bit KEKs held in memory (from the environment, see
 * `SecretsConfigSchema`): a data key is wrapped with AES-256-GCM (NIST SP 800-38D; random 96-bit IV, 128-bit
 * tag, AAD = {@link wrapAad}). `previous` KEKs only unwrap (rotation: old rows stay readable until
 * `npm run secrets:rotate` re-wrapped them).
 */
export class EnvKeyEncryptionKeyProvider implements KeyEncryptionKeyProvider {
  private readonly keys = new Map<string, Buffer>();

  /**
   * @param current the KEK new data keys are wrapped with (`id`, 32-byte `key`)
   * @param previous older KEKs, for unwrapping only
   * @throws Error when a key is not 32 bytes or an id repeats
   */
  constructor(current: { id: string; key: Buffer }, previous: readonly { id: string; key: Buffer }[] = []) {
    for (const k of [current, ...previous]) {
      if (k.key.length !== 32) throw new Error(`KEK ${k.id} must be 32 bytes, got ${k.key.length}`);
      if (this.keys.has(k.id)) throw new Error(`KEK id ${k.id} is configured twice`);
      this.keys.set(k.id, k.key);
    }
    this.currentKeyId = current.id;
  }

  readonly currentKeyId: string;

  async wrap(dataKey: Buffer, context: EncryptionContext): Promise<WrappedKey> {
    const keyId = this.currentKeyId;
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv);
    c.setAAD(wrapAad(keyId, context));
    const ct = Buffer.concat([c.update(dataKey), c.final()]);
    return { keyId, wrappedKey: Buffer.concat([iv, c.getAuthTag(), ct]) };
  }

  async unwrap(wrapped: WrappedKey, context: EncryptionContext): Promise<Buffer> {
    const kek = this.keys.get(wrapped.keyId);
    if (!kek) throw new KeyUnwrapError(`no key-encryption key with id ${wrapped.keyId} is configured`);
    const b = wrapped.wrappedKey;
    if (b.length < IV_BYTES + TAG_BYTES + 1) throw new KeyUnwrapError('wrapped key is too short');
    try {
      const d = createDecipheriv('aes-256-gcm', kek, b.subarray(0, IV_BYTES));
      d.setAAD(wrapAad(wrapped.keyId, context));
      d.setAuthTag(b.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([d.update(b.subarray(IV_BYTES + TAG_BYTES)), d.final()]);
    } catch {
      throw new KeyUnwrapError(`wrapped key does not authenticate under KEK ${wrapped.keyId}`);
    }
  }
}
