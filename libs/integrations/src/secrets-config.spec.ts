import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@hub/config';
import { AwsKmsKeyEncryptionKeyProvider } from './crypto/aws-kms-key-provider';
import { keyEncryptionKeysFromConfig, SecretsConfigSchema } from './secrets-config';

const load = (env: Record<string, string>) => loadConfig('svc', SecretsConfigSchema, env);
const problems = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('SecretsConfigSchema (fail-fast KEK)', () => {
  it('accepts a random 32-byte key and previous keys', () => {
    const old = randomBytes(32).toString('base64');
    const c = load({
      HUB_SECRETS_KEK: randomBytes(32).toString('base64'),
      HUB_SECRETS_KEK_ID: '2026-12',
      HUB_SECRETS_PREVIOUS_KEKS: `2026-06=${old}`,
    });
    expect(c.HUB_SECRETS_KEK).toHaveLength(32);
    expect(c.HUB_SECRETS_PREVIOUS_KEKS).toEqual([{ id: '2026-06', key: Buffer.from(old, 'base64') }]);
  });

  it.each([
    ['short', { HUB_SECRETS_KEK: randomBytes(16).toString('base64') }, /32 bytes/],
    ['a placeholder word', { HUB_SECRETS_KEK: 'changeme' }, /placeholder/],
    ['all zeros', { HUB_SECRETS_KEK: Buffer.alloc(32).toString('base64') }, /random/],
    [
      'a repeated word',
      { HUB_SECRETS_KEK: Buffer.from('secret'.repeat(6).slice(0, 32)).toString('base64') },
      /random/,
    ],
  ])('refuses a %s key naming HUB_SECRETS_KEK', (_what, env, message) => {
    const p = problems(env as Record<string, string>);
    expect(p[0].variable).toBe('HUB_SECRETS_KEK');
    expect(p[0].message).toMatch(message);
  });

  it('refuses a malformed previous key naming HUB_SECRETS_PREVIOUS_KEKS', () => {
    const p = problems({
      HUB_SECRETS_KEK: randomBytes(32).toString('base64'),
      HUB_SECRETS_PREVIOUS_KEKS: 'old=AAAA',
    });
    expect(p[0].variable).toBe('HUB_SECRETS_PREVIOUS_KEKS');
  });

  it('requires HUB_SECRETS_KEK for the env provider, HUB_SECRETS_KMS_KEY_ID for aws-kms (ConfigError naming it)', () => {
    const naming = (env: Record<string, string>) => {
      try {
        keyEncryptionKeysFromConfig(load(env));
      } catch (e) {
        if (e instanceof ConfigError) return e.problems[0].variable;
        throw e;
      }
      return null;
    };
    expect(naming({})).toBe('HUB_SECRETS_KEK');
    expect(naming({ HUB_SECRETS_KEK_PROVIDER: 'aws-kms' })).toBe('HUB_SECRETS_KMS_KEY_ID');
    const kms = keyEncryptionKeysFromConfig(
      load({
        HUB_SECRETS_KEK_PROVIDER: 'aws-kms',
        HUB_SECRETS_KMS_KEY_ID: 'alias/hub',
        HUB_SECRETS_KMS_REGION: 'eu-west-1',
      }),
    );
    expect(kms).toBeInstanceOf(AwsKmsKeyEncryptionKeyProvider);
    expect(kms.currentKeyId).toBe('kms:alias/hub');
    expect(problems({ HUB_SECRETS_KEK_PROVIDER: 'vault' })[0].variable).toBe('HUB_SECRETS_KEK_PROVIDER');
  });
});
