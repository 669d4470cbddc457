import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KMSClient } from '@aws-sdk/client-kms';
import type { Pool } from 'pg';
import { createPgPool } from '@hub/persistence';
import { createTestWorld, type TestWorld } from '@hub/testing';
import {
  AwsKmsKeyEncryptionKeyProvider,
  IntegrationStore,
  integrationStoreFromEnv,
  SecretsCipher,
  SecretsDecryptionError,
} from '../src';
import { startFakeKms, type FakeKms } from './support/fake-kms';

const run = promisify(execFile);
const ROOT = `${__dirname}/../../..`;

jest.setTimeout(90_000);

/**
 * The AWS KMS key-encryption-key provider against a local server speaking KMS's awsJson1_1 wire format
 * (SigV4 verified on every request), and `npm run secrets:rotate` moving every row from the environment
 * KEK to the KMS key.
 */
describe('AWS KMS key-encryption keys (local KMS wire format, SigV4 verified)', () => {
  let kms: FakeKms;
  let world: TestWorld;
  let pool: Pool;

  beforeAll(async () => {
    kms = await startFakeKms();
    world = await createTestWorld();
    pool = createPgPool(world.databaseUrl, { max: 3 });
  });
  afterAll(async () => {
    await pool?.end();
    await world?.drop();
    await kms?.close();
  });

  const client = (secretAccessKey = kms.credentials.secretAccessKey) =>
    new KMSClient({
      region: kms.region,
      endpoint: kms.endpoint,
      credentials: { accessKeyId: kms.credentials.accessKeyId, secretAccessKey },
      maxAttempts: 1,
    });
  const provider = (c = client()) => new AwsKmsKeyEncryptionKeyProvider({ keyId: kms.alias, client: c });

  it('seals with GenerateDataKey, opens with Decrypt bound to the row; every request SigV4-signed', async () => {
    const cipher = new SecretsCipher(provider());
    const row = { tenantId: 'acme', integrationId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' };
    const before = kms.calls.length;
    const sealed = await cipher.seal({ apiKey: 'sk-kms' }, row);
    expect(sealed.keyId).toBe(`kms:${kms.alias}`);
    expect(await cipher.open(sealed, row)).toEqual({ apiKey: 'sk-kms' });
    const calls = kms.calls.slice(before);
    expect(calls.map((c) => c.operation)).toEqual(['GenerateDataKey', 'Decrypt']);
    expect(calls.every((c) => c.signatureValid)).toBe(true);
    expect(calls[0].body).toMatchObject({
      KeyId: kms.alias,
      KeySpec: 'AES_256',
      EncryptionContext: { tenantId: 'acme', integrationId: row.integrationId },
    });
    expect(calls[1].body).toMatchObject({
      KeyId: kms.alias,
      EncryptionContext: calls[0].body['EncryptionContext'],
    });
    // a wrapped key moved to another row (other EncryptionContext) is refused by KMS
    await expect(cipher.open(sealed, { ...row, tenantId: 'globex' })).rejects.toBeInstanceOf(
      SecretsDecryptionError,
    );
    // a re-wrap of an existing data key is an Encrypt
    const wrapped = await provider().wrap(randomBytes(32), row);
    expect(kms.calls.at(-1)).toMatchObject({ operation: 'Encrypt', signatureValid: true });
    expect(wrapped.keyId).toBe(`kms:${kms.alias}`);
  });

  it('a request signed with the wrong secret key is refused (the fake verifies SigV4)', async () => {
    const bad = new SecretsCipher(provider(client(randomBytes(30).toString('base64'))));
    await expect(bad.seal({ x: 1 }, { tenantId: 'acme', integrationId: 'x' })).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    expect(kms.calls.at(-1)).toMatchObject({ signatureValid: false });
  });

  it('npm run secrets:rotate moves every row from the environment KEK to the KMS key', async () => {
    const envStore = integrationStoreFromEnv(pool, world.env);
    const created = await Promise.all(
      ['acme', 'globex'].map((t) =>
        envStore.create(t, {
          type: 'llm',
          name: 'LLM',
          config: { baseUrl: 'https://api.example.com/v1', model: 'gpt', timeoutMs: 1000 },
          secrets: { apiKey: `sk-${t}` },
          enabled: true,
        }),
      ),
    );
    const keyIds = async () =>
      (await pool.query<{ k: string }>('SELECT DISTINCT secrets_key_id AS k FROM integrations')).rows.map(
        (r) => r.k,
      );
    expect(await keyIds()).toEqual([world.env['HUB_SECRETS_KEK_ID'] ?? 'kek-1']);
    const env = {
      ...process.env,
      ...world.env,
      DATABASE_URL: world.databaseUrl,
      HUB_SECRETS_KEK_PROVIDER: 'aws-kms',
      HUB_SECRETS_KMS_KEY_ID: kms.alias,
      HUB_SECRETS_KMS_REGION: kms.region,
      HUB_SECRETS_KMS_ENDPOINT: kms.endpoint,
      AWS_ACCESS_KEY_ID: kms.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: kms.credentials.secretAccessKey,
      AWS_REGION: kms.region,
    };
    const out = await run('npm', ['run', '--silent', 'secrets:rotate'], { cwd: ROOT, env });
    expect(out.stdout).toContain(`KEK kms:${kms.alias}: 2 data key(s) re-wrapped`);
    expect(await keyIds()).toEqual([`kms:${kms.alias}`]);
    // readable through KMS alone — the environment KEK is no longer needed
    const kmsOnly = new IntegrationStore(pool, new SecretsCipher(provider()));
    for (const [i, t] of ['acme', 'globex'].entries())
      expect((await kmsOnly.load(t, created[i].id, 'llm'))?.secrets.apiKey).toBe(`sk-${t}`);
    // idempotent
    const again = await run('npm', ['run', '--silent', 'secrets:rotate'], { cwd: ROOT, env });
    expect(again.stdout).toContain('0 data key(s) re-wrapped');
  });
});
