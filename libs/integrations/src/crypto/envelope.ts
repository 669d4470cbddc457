import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionContext, KeyEncryptionKeyProvider } from './key-encryption-key';

/** Secrets encrypted at rest: what the `integrations.secrets_*` columns hold. */
export interface SealedSecrets {
  /** AES-256-GCM ciphertext of the secrets' JSON. */
  ciphertext: Buffer;
  /** 96-bit random IV. */
  iv: Buffer;
  /** 128-bit GCM authentication tag. */
  tag: Buffer;
  /** The data key, wrapped by the KEK `keyId`. */
  wrappedKey: Buffer;
  /** Id of the KEK that wrapped the data key. */
  keyId: string;
}

/** Stored secrets could not be decrypted (wrong KEK, tampered row, row moved to another tenant). */
export class SecretsDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsDecryptionError';
  }
}

/** AAD of the secrets' encryption: version, tenant, integration (a row's ciphertext is valid for that row only). */
export function secretsAad(ctx: EncryptionContext): Buffer {
  return Buffer.from(JSON.stringify(['hub-integration-secrets/v1', ctx.tenantId, ctx.integrationId]), 'utf8');
}

/**
 * Envelope encryption of integration secrets (the pattern of AWS KMS / Google Cloud KMS): every seal
 * draws a fresh 256-bit data key, encrypts the JSON with AES-256-GCM (node:crypto; random 96-bit IV,
 * AAD = {@link secretsAad}: tenant id + integration id), and wraps the data key with the
 * {@link KeyEncryptionKeyProvider} (whose AAD adds the KEK id). Re-keying ({@link rewrap}) re-wraps the
 * data key only.
 */
export class SecretsCipher {
  constructor(readonly keks: KeyEncryptionKeyProvider) {}

  /** Encrypts `secrets` (any JSON value) for one integration row. */
  async seal(secrets: unknown, ctx: EncryptionContext): Promise<SealedSecrets> {
    // a KMS hands out the data key and its wrap in one call; otherwise a local random key, wrapped
    const generated = this.keks.generate ? await this.keks.generate(ctx) : null;
    const dataKey = generated?.dataKey ?? randomBytes(32);
    try {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', dataKey, iv);
      c.setAAD(secretsAad(ctx));
      const ciphertext = Buffer.concat([c.update(JSON.stringify(secrets ?? {}), 'utf8'), c.final()]);
      const { keyId, wrappedKey } = generated?.wrapped ?? (await this.keks.wrap(dataKey, ctx));
      return { ciphertext, iv, tag: c.getAuthTag(), wrappedKey, keyId };
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Decrypts what {@link seal} produced for the same `ctx`.
   * @throws SecretsDecryptionError unknown KEK, tampered data, or another row's ciphertext
   */
  async open(sealed: SealedSecrets, ctx: EncryptionContext): Promise<unknown> {
    let dataKey: Buffer;
    try {
      dataKey = await this.keks.unwrap({ keyId: sealed.keyId, wrappedKey: sealed.wrappedKey }, ctx);
    } catch (e) {
      throw new SecretsDecryptionError((e as Error).message);
    }
    try {
      const d = createDecipheriv('aes-256-gcm', dataKey, sealed.iv);
      d.setAAD(secretsAad(ctx));
      d.setAuthTag(sealed.tag);
      const text = Buffer.concat([d.update(sealed.ciphertext), d.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch {
      throw new SecretsDecryptionError(
        `secrets of integration ${ctx.integrationId} do not authenticate (tampered or moved row)`,
      );
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Re-wraps the data key under the current KEK (ciphertext, IV and tag unchanged).
   * @returns the new sealed value, or null when it already uses the current KEK
   * @throws SecretsDecryptionError when the old wrap cannot be opened
   */
  async rewrap(sealed: SealedSecrets, ctx: EncryptionContext): Promise<SealedSecrets | null> {
    if (sealed.keyId === this.keks.currentKeyId) return null;
    let dataKey: Buffer;
    try {
      dataKey = await this.keks.unwrap({ keyId: sealed.keyId, wrappedKey: sealed.wrappedKey }, ctx);
    } catch (e) {
      throw new SecretsDecryptionError((e as Error).message);
    }
    try {
      const { keyId, wrappedKey } = await this.keks.wrap(dataKey, ctx);
      return { ...sealed, keyId, wrappedKey };
    } finally {
      dataKey.fill(0);
    }
  }
}
