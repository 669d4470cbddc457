/**
 * `npm run secrets:rotate`: encrypts every integration row still holding plaintext secrets from before
 * encryption and re-wraps every data key under the current KEK (`HUB_SECRETS_KEK` / `HUB_SECRETS_KEK_ID`;
 * the KEKs being retired in `HUB_SECRETS_PREVIOUS_KEKS`). Idempotent. Env: DATABASE_URL, HUB_SECRETS_*.
 * Exit 78 on bad configuration (naming the variable), 1 when a row cannot be re-wrapped.
 */
import { ConfigError, DatabaseConfigSchema, loadConfig } from '@hub/config';
import { createPgPool } from '@hub/persistence';
import { SecretsCipher } from '../crypto/envelope';
import { keyEncryptionKeysFromConfig, SecretsConfigSchema } from '../secrets-config';
import { IntegrationStore } from '../store/integration.store';

async function main() {
  const config = loadConfig('secrets:rotate', DatabaseConfigSchema.extend(SecretsConfigSchema.shape));
  const pool = createPgPool(config.DATABASE_URL, { max: 2, applicationName: 'secrets-rotate' });
  try {
    const store = new IntegrationStore(pool, new SecretsCipher(keyEncryptionKeysFromConfig(config)));
    const r = await store.rotate();
    console.log(
      `secrets:rotate: KEK ${r.keyId}: ${r.rewrapped} data key(s) re-wrapped, ${r.encryptedLegacy} plaintext row(s) encrypted`,
    );
    for (const f of r.failed) console.error(`  integration ${f.id}: ${f.error}`);
    if (r.failed.length) process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(e instanceof ConfigError ? 78 : 1);
});
