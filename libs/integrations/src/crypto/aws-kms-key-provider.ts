import {
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  KMSServiceException,
} from '@aws-sdk/client-kms';
import {
  KeyUnwrapError,
  type EncryptionContext,
  type KeyEncryptionKeyProvider,
  type WrappedKey,
} from './key-encryption-key';

/** Prefix of the key ids of rows wrapped by AWS KMS (`kms:<KeyId as configured>`). */
export const KMS_KEY_ID_PREFIX = 'kms:';

/** Options of {@link AwsKmsKeyEncryptionKeyProvider}. */
export interface AwsKmsKeyProviderOptions {
  /** The KMS key data keys are wrapped under: key id, key ARN, alias name or alias ARN. */
  keyId: string;
  /** The KMS client (region, credentials from the default AWS chain, optional endpoint). */
  client: KMSClient;
  /**
   * Unwraps rows whose key id is not a KMS one (e.g. the environment KEKs being migrated away from by
   * `npm run secrets:rotate`); without it such rows fail with {@link KeyUnwrapError}.
   */
  fallback?: KeyEncryptionKeyProvider;
}

/**
 * {@link KeyEncryptionKeyProvider} backed by AWS KMS (API reference: Encrypt, Decrypt, GenerateDataKey;
 * awsJson1_1 over HTTPS, SigV4-signed by the AWS SDK): data keys are wrapped by `Encrypt` under the
 * configured key with `EncryptionContext = {tenantId, integrationId}` (so a wrapped key unwraps only for
 * its row — KMS checks it, and CloudTrail logs it), unwrapped by `Decrypt` with the same context and the
 * key id pinned, and new data keys come from `GenerateDataKey` (AES_256: 32 bytes plaintext + blob) so the
 * plaintext key is KMS's random. The row's key id is `kms:<keyId>`; rotating the KMS key material is KMS's
 * business (the blob names its key version), changing `HUB_SECRETS_KMS_KEY_ID` makes `secrets:rotate`
 * re-wrap every row under the new key.
 */
export class AwsKmsKeyEncryptionKeyProvider implements KeyEncryptionKeyProvider {
  readonly currentKeyId: string;

  constructor(private readonly opts: AwsKmsKeyProviderOptions) {
    this.currentKeyId = `${KMS_KEY_ID_PREFIX}${opts.keyId}`;
  }

  /**
   * A new 32-byte data key and its wrap under the current KMS key (`GenerateDataKey`, KeySpec AES_256).
   * @throws KMSServiceException (access denied, disabled key, throttling …) as the SDK reports it
   */
  async generate(context: EncryptionContext): Promise<{ dataKey: Buffer; wrapped: WrappedKey }> {
    const r = await this.opts.client.send(
      new GenerateDataKeyCommand({
        KeyId: this.opts.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: kmsContext(context),
      }),
    );
    if (!r.Plaintext || r.Plaintext.length !== 32 || !r.CiphertextBlob)
      throw new Error('KMS GenerateDataKey returned no 32-byte data key');
    return {
      dataKey: Buffer.from(r.Plaintext),
      wrapped: { keyId: this.currentKeyId, wrappedKey: Buffer.from(r.CiphertextBlob) },
    };
  }

  /** `Encrypt` of an existing data key (re-wrap during rotation). @throws KMSServiceException */
  async wrap(dataKey: Buffer, context: EncryptionContext): Promise<WrappedKey> {
    const r = await this.opts.client.send(
      new EncryptCommand({
        KeyId: this.opts.keyId,
        Plaintext: dataKey,
        EncryptionContext: kmsContext(context),
      }),
    );
    if (!r.CiphertextBlob) throw new Error('KMS Encrypt returned no CiphertextBlob');
    return { keyId: this.currentKeyId, wrappedKey: Buffer.from(r.CiphertextBlob) };
  }

  /**
   * `Decrypt` with the row's context and its KMS key id pinned (`KeyId`), or the fallback provider for
   * non-KMS key ids.
   * @throws KeyUnwrapError KMS refused the blob (wrong context, wrong key, tampered: InvalidCiphertextException,
   *   IncorrectKeyException) or no fallback for a non-KMS key id; other KMS errors (throttling, network) as is
   */
  async unwrap(wrapped: WrappedKey, context: EncryptionContext): Promise<Buffer> {
    if (!wrapped.keyId.startsWith(KMS_KEY_ID_PREFIX)) {
      if (!this.opts.fallback)
        throw new KeyUnwrapError(`no key-encryption key with id ${wrapped.keyId} is configured`);
      return this.opts.fallback.unwrap(wrapped, context);
    }
    try {
      const r = await this.opts.client.send(
        new DecryptCommand({
          CiphertextBlob: wrapped.wrappedKey,
          KeyId: wrapped.keyId.slice(KMS_KEY_ID_PREFIX.length),
          EncryptionContext: kmsContext(context),
        }),
      );
      if (!r.Plaintext) throw new KeyUnwrapError('KMS Decrypt returned no plaintext');
      return Buffer.from(r.Plaintext);
    } catch (e) {
      if (
        e instanceof KMSServiceException &&
        ['InvalidCiphertextException', 'IncorrectKeyException', 'NotFoundException'].includes(e.name)
      )
        throw new KeyUnwrapError(`KMS refused to unwrap under ${wrapped.keyId}: ${e.name}`);
      throw e;
    }
  }
}

/** The KMS `EncryptionContext` of a row (string → string, logged in CloudTrail; holds no secret). */
function kmsContext(c: EncryptionContext): Record<string, string> {
  return { tenantId: c.tenantId, integrationId: c.integrationId };
}
