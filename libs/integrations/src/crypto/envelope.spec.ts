import { randomBytes } from 'node:crypto';
import { SecretsCipher, SecretsDecryptionError } from './envelope';
import { EnvKeyEncryptionKeyProvider } from './key-encryption-key';

const kek = (id: string) => ({ id, key: randomBytes(32) });
const ctx = { tenantId: 'acme', integrationId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' };

describe('SecretsCipher (envelope encryption, AES-256-GCM)', () => {
  const a = kek('a');
  const cipher = new SecretsCipher(new EnvKeyEncryptionKeyProvider(a));

  it('round-trips and never stores the plaintext or the data key in clear', async () => {
    const sealed = await cipher.seal({ apiKey: 'sk-live-very-secret' }, ctx);
    expect(sealed.keyId).toBe('a');
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.tag).toHaveLength(16);
    expect(sealed.wrappedKey).toHaveLength(12 + 16 + 32);
    const all = Buffer.concat([sealed.ciphertext, sealed.iv, sealed.tag, sealed.wrappedKey]);
    expect(all.includes(Buffer.from('sk-live-very-secret'))).toBe(false);
    expect(await cipher.open(sealed, ctx)).toEqual({ apiKey: 'sk-live-very-secret' });
  });

  it('uses a fresh data key and IV per seal', async () => {
    const [x, y] = await Promise.all([cipher.seal({ k: 'v' }, ctx), cipher.seal({ k: 'v' }, ctx)]);
    expect(x.iv.equals(y.iv)).toBe(false);
    expect(x.wrappedKey.equals(y.wrappedKey)).toBe(false);
    expect(x.ciphertext.equals(y.ciphertext)).toBe(false);
  });

  it('refuses another row’s context (AAD binds tenant and integration), a tampered ciphertext and a wrong KEK', async () => {
    const sealed = await cipher.seal({ apiKey: 'x' }, ctx);
    await expect(cipher.open(sealed, { ...ctx, tenantId: 'globex' })).rejects.toThrow(SecretsDecryptionError);
    await expect(
      cipher.open(sealed, { ...ctx, integrationId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toThrow(SecretsDecryptionError);
    const tampered = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext) };
    tampered.ciphertext[0] ^= 1;
    await expect(cipher.open(tampered, ctx)).rejects.toThrow(SecretsDecryptionError);
    const other = new SecretsCipher(new EnvKeyEncryptionKeyProvider({ id: 'a', key: randomBytes(32) }));
    await expect(other.open(sealed, ctx)).rejects.toThrow(/does not authenticate/);
    const unknown = new SecretsCipher(new EnvKeyEncryptionKeyProvider(kek('b')));
    await expect(unknown.open(sealed, ctx)).rejects.toThrow(/no key-encryption key with id a/);
  });

  it('rewrap moves the data key to the current KEK; previous KEKs only unwrap', async () => {
    const sealed = await cipher.seal({ apiKey: 'rotate-me' }, ctx);
    const b = kek('b');
    const rotating = new SecretsCipher(new EnvKeyEncryptionKeyProvider(b, [a]));
    expect(await rotating.open(sealed, ctx)).toEqual({ apiKey: 'rotate-me' });
    const next = await rotating.rewrap(sealed, ctx);
    expect(next?.keyId).toBe('b');
    expect(next?.ciphertext.equals(sealed.ciphertext)).toBe(true);
    expect(await rotating.rewrap(next!, ctx)).toBeNull();
    const onlyB = new SecretsCipher(new EnvKeyEncryptionKeyProvider(b));
    expect(await onlyB.open(next!, ctx)).toEqual({ apiKey: 'rotate-me' });
    expect((await rotating.seal({}, ctx)).keyId).toBe('b');
  });

  it('refuses KEKs that are not 32 bytes', () => {
    expect(() => new EnvKeyEncryptionKeyProvider({ id: 'a', key: randomBytes(16) })).toThrow(/32 bytes/);
  });
});
