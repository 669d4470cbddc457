import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { createPgPool, inTenantTransaction } from '@hub/persistence';
import { createTestWorld, type TestWorld } from '@hub/testing';
import {
  DuplicateIntegrationNameError,
  EnvKeyEncryptionKeyProvider,
  IntegrationStore,
  integrationStoreFromEnv,
  SecretsCipher,
  VendorIdentifierTakenError,
} from '../src';

const run = promisify(execFile);
const ROOT = `${__dirname}/../../..`;

describe('IntegrationStore (real PostgreSQL)', () => {
  let world: TestWorld;
  let pool: Pool;
  let store: IntegrationStore;

  beforeAll(async () => {
    world = await createTestWorld();
    pool = createPgPool(world.databaseUrl, { max: 3 });
    store = integrationStoreFromEnv(pool, world.env);
  });
  afterAll(async () => {
    await pool.end();
    await world.drop();
  });

  /** Every column of every row as text — what `pg_dump` would write. */
  const dump = async () =>
    (await pool.query<{ t: string }>(`SELECT i::text AS t FROM integrations i`)).rows
      .map((r) => r.t)
      .join('\n');

  it('a dump of the table reveals no secret; the store reads them back; summaries name the set fields only', async () => {
    const apiKey = `sk-${randomBytes(12).toString('hex')}`;
    const created = await store.create('acme', {
      type: 'llm',
      name: 'LLM',
      config: { baseUrl: 'https://api.example.com/v1', model: 'gpt', timeoutMs: 1000 },
      secrets: { apiKey },
      enabled: true,
    });
    expect(created.secretFields).toEqual(['apiKey']);
    expect(JSON.stringify(created)).not.toContain(apiKey);
    const text = await dump();
    expect(text).toContain(created.id);
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain(Buffer.from(apiKey).toString('hex'));
    expect(text).not.toContain(Buffer.from(apiKey).toString('base64'));
    const loaded = await store.load('acme', created.id, 'llm');
    expect(loaded?.secrets.apiKey).toBe(apiKey);
    expect(await store.load('globex', created.id, 'llm')).toBeNull();
    expect((await store.list('acme'))[0].secretFields).toEqual(['apiKey']);
  });

  it('a tenant-bound ciphertext copied onto another row does not decrypt', async () => {
    const a = await store.create('acme', {
      type: 'llm',
      name: 'A',
      config: { baseUrl: 'https://a.example.com/v1', model: 'm' },
      secrets: { apiKey: 'key-of-acme' },
      enabled: true,
    });
    const b = await store.create('globex', {
      type: 'llm',
      name: 'B',
      config: { baseUrl: 'https://b.example.com/v1', model: 'm' },
      secrets: { apiKey: 'key-of-globex' },
      enabled: true,
    });
    await pool.query(
      `UPDATE integrations t SET secrets_ciphertext = s.secrets_ciphertext, secrets_iv = s.secrets_iv,
         secrets_tag = s.secrets_tag, secrets_wrapped_key = s.secrets_wrapped_key
       FROM integrations s WHERE s.id = $1::uuid AND t.id = $2::uuid`,
      [a.id, b.id],
    );
    await expect(store.load('globex', b.id, 'llm')).rejects.toThrow(/does not authenticate/);
    expect((await store.rotate()).failed).toEqual([]); // current KEK: nothing to unwrap yet
    await store.delete('globex', b.id);
  });

  it('secrets:rotate encrypts legacy plaintext rows and re-wraps every data key under the new KEK', async () => {
    const sealed = await store.create('acme', {
      type: 'llm',
      name: 'Before rotation',
      config: { baseUrl: 'https://r.example.com/v1', model: 'm' },
      secrets: { apiKey: 'sealed-under-the-first-kek' },
      enabled: true,
    });
    const legacyKey = `legacy-${randomBytes(8).toString('hex')}`;
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO integrations (id, tenant_id, type, name, config, legacy_secrets)
       VALUES (gen_random_uuid(), 'acme', 'eightbyeight', 'Old 8x8', $1::jsonb, $2::jsonb) RETURNING id::text`,
      [
        JSON.stringify({ eightByEightTenant: 'acme', host: 'pulsar.example.com' }),
        JSON.stringify({ apiKey: legacyKey }),
      ],
    );
    expect(await dump()).toContain(legacyKey);
    const before = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM integrations WHERE secrets_key_id = $1`,
      [world.env['HUB_SECRETS_KEK_ID']],
    );
    expect(Number(before.rows[0].n)).toBeGreaterThan(0);

    const newKek = randomBytes(32).toString('base64');
    const env = {
      ...process.env,
      DATABASE_URL: world.databaseUrl,
      HUB_SECRETS_KEK: newKek,
      HUB_SECRETS_KEK_ID: 'kek-2',
      HUB_SECRETS_PREVIOUS_KEKS: `${world.env['HUB_SECRETS_KEK_ID']}=${world.env['HUB_SECRETS_KEK']}`,
    };
    const out = await run('npm', ['run', '--silent', 'secrets:rotate'], { cwd: ROOT, env });
    expect(out.stdout).toMatch(/KEK kek-2: \d+ data key\(s\) re-wrapped, 1 plaintext row\(s\) encrypted/);
    expect(await dump()).not.toContain(legacyKey);
    const keys = await pool.query<{ k: string | null; legacy: unknown }>(
      `SELECT DISTINCT secrets_key_id AS k, legacy_secrets AS legacy FROM integrations`,
    );
    expect(keys.rows).toEqual([{ k: 'kek-2', legacy: null }]);

    // only the new KEK is needed now; the old one decrypts nothing
    const onlyNew = new IntegrationStore(
      pool,
      new SecretsCipher(new EnvKeyEncryptionKeyProvider({ id: 'kek-2', key: Buffer.from(newKek, 'base64') })),
    );
    expect((await onlyNew.load('acme', rows[0].id, 'eightbyeight'))?.secrets.apiKey).toBe(legacyKey);
    expect((await onlyNew.load('acme', sealed.id, 'llm'))?.secrets.apiKey).toBe('sealed-under-the-first-kek');
    await expect(store.load('acme', rows[0].id, 'eightbyeight')).rejects.toThrow(/kek-2/);
    const again = await run('npm', ['run', '--silent', 'secrets:rotate'], { cwd: ROOT, env });
    expect(again.stdout).toMatch(/0 data key\(s\) re-wrapped, 0 plaintext/);
  }, 60_000);

  it('refuses to start the rotation without a usable KEK (exit 78 naming the variable)', async () => {
    const env = { ...process.env, DATABASE_URL: world.databaseUrl, HUB_SECRETS_KEK: 'changeme' };
    const err = (await run('npm', ['run', '--silent', 'secrets:rotate'], { cwd: ROOT, env }).catch(
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(err.code).toBe(78);
    expect(err.stderr).toContain('HUB_SECRETS_KEK');
  }, 60_000);

  it('vendor identifiers that select a tenant are unique across tenants; names per tenant', async () => {
    const ccai = (subscription: string) => ({
      type: 'ccai' as const,
      name: `CCAI ${randomBytes(3).toString('hex')}`,
      config: {
        projectId: 'p',
        subscription,
        audience: 'a',
        serviceAccountEmail: 'sa@p.iam.gserviceaccount.com',
      },
      secrets: {},
      enabled: true,
    });
    await store.create('acme', ccai('projects/p/subscriptions/Assist'));
    await expect(store.create('globex', ccai('projects/p/subscriptions/assist'))).rejects.toMatchObject({
      constructor: VendorIdentifierTakenError,
      field: 'config.subscription',
    });
    const hook = (apiKey: string, name = 'AudioHook') => ({
      type: 'genesys_audiohook' as const,
      name,
      config: { organizationId: '7c9e6679-7425-40de-944b-e07fc1f90ae7' },
      secrets: { apiKey },
      enabled: true,
    });
    await store.create('acme', hook('audiohook-key-1'));
    await expect(store.create('globex', hook('audiohook-key-1'))).rejects.toMatchObject({
      field: 'secrets.apiKey',
    });
    const g = await store.create('globex', hook('audiohook-key-2'));
    await expect(
      store.update('globex', g.id, { secrets: { apiKey: 'audiohook-key-1' } }),
    ).rejects.toBeInstanceOf(VendorIdentifierTakenError);
    await expect(store.create('globex', hook('audiohook-key-3'))).rejects.toBeInstanceOf(
      DuplicateIntegrationNameError,
    );
    expect(
      (await store.loadBySelector('ccai', { subscription: 'projects/p/subscriptions/ASSIST' }))?.tenantId,
    ).toBe('acme');
    const loaded = await store.loadAllEnabled('genesys_audiohook');
    expect(loaded.map((i) => [i.tenantId, i.secrets.apiKey]).sort()).toEqual([
      ['acme', 'audiohook-key-1'],
      ['globex', 'audiohook-key-2'],
    ]);
  });

  it('hot-path reads come from memory for the TTL; writes through the store invalidate them at once', async () => {
    const cached = new IntegrationStore(pool, store.cipher, { readCacheTtlMs: 60_000 });
    const i = await cached.create('initech', {
      type: 'internal',
      name: 'Desk',
      config: {},
      secrets: {},
      enabled: true,
    });
    expect((await cached.get('initech', i.id))?.name).toBe('Desk');
    expect((await cached.load('initech', i.id, 'internal'))?.enabled).toBe(true);
    expect(await cached.loadFirstEnabled('initech', 'llm')).toBeNull();
    // another replica's write (straight SQL here): not seen within the TTL — no round trip was made
    await inTenantTransaction(pool, 'initech', (c) =>
      c.query(`UPDATE integrations SET name = 'Renamed', enabled = false WHERE id = $1::uuid`, [i.id]),
    );
    expect((await cached.get('initech', i.id))?.name).toBe('Desk');
    expect(await cached.load('initech', i.id, 'internal')).not.toBeNull();
    // the uncached store sees it at once
    expect((await store.get('initech', i.id))?.name).toBe('Renamed');
    // writes through the cached store drop the tenant's entries
    const llm = await cached.create('initech', {
      type: 'llm',
      name: 'LLM',
      config: { baseUrl: 'https://api.example.com/v1', model: 'gpt', timeoutMs: 1000 },
      secrets: { apiKey: 'sk-initech' },
      enabled: true,
    });
    expect((await cached.loadFirstEnabled('initech', 'llm'))?.id).toBe(llm.id);
    expect((await cached.get('initech', i.id))?.name).toBe('Renamed');
    expect(await cached.load('initech', i.id, 'internal')).toBeNull(); // disabled
    await cached.update('initech', i.id, { enabled: true, name: 'Desk 2' });
    expect((await cached.get('initech', i.id))?.name).toBe('Desk 2');
    expect(await cached.load('initech', i.id, 'internal')).not.toBeNull();
    await cached.delete('initech', llm.id);
    expect(await cached.loadFirstEnabled('initech', 'llm')).toBeNull();
    // another tenant's cached reads are its own
    expect(await cached.get('globex', i.id)).toBeNull();
  });

  it('update reads and writes in one transaction with the row locked: a concurrent write is not overwritten', async () => {
    const i = await store.create('umbrella', {
      type: 'internal',
      name: 'Desk',
      config: { defaultQueueId: null },
      secrets: {},
      enabled: true,
    });
    const queue = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    const other = await pool.connect();
    try {
      // a concurrent writer holds the row
      await other.query("BEGIN; SET LOCAL hub.tenant_id = 'umbrella'");
      await other.query('SELECT id FROM integrations WHERE id = $1::uuid FOR UPDATE', [i.id]);
      let settled = false;
      const renamed = store.update('umbrella', i.id, { name: 'Renamed' }).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false); // it waits for the lock instead of reading the old config
      await other.query(`UPDATE integrations SET config = $2::jsonb WHERE id = $1::uuid`, [
        i.id,
        JSON.stringify({ defaultQueueId: queue }),
      ]);
      await other.query('COMMIT');
      expect((await renamed)?.name).toBe('Renamed');
    } finally {
      other.release();
    }
    const after = await store.load('umbrella', i.id, 'internal');
    expect(after?.name).toBe('Renamed');
    expect(after?.config.defaultQueueId).toBe(queue); // the other writer's config survived
  });
});
