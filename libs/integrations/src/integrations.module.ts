import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import type { Pool } from 'pg';
import { PG_POOL } from '@hub/persistence';
import { SecretsCipher } from './crypto/envelope';
import type { KeyEncryptionKeyProvider } from './crypto/key-encryption-key';
import { OutboundHttp } from './outbound/outbound-http';
import { outboundPolicyFromConfig, type OutboundConfig } from './outbound/outbound-config';
import { keyEncryptionKeysFromConfig, type SecretsConfig } from './secrets-config';
import { IntegrationStore } from './store/integration.store';

/** Injection token of the service's {@link KeyEncryptionKeyProvider}. */
export const KEY_ENCRYPTION_KEYS = Symbol('KEY_ENCRYPTION_KEYS');

/**
 * Encrypts plaintext secrets left from before encryption and re-wraps data keys under the current KEK
 * when the service starts ({@link IntegrationStore.rotate}; the owner service runs it, failures are
 * logged and do not stop the service — `npm run secrets:rotate` reports them).
 */
@Injectable()
export class SecretsMigrationOnStart implements OnApplicationBootstrap {
  constructor(
    private readonly store: IntegrationStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const r = await this.store.rotate();
      if (r.rewrapped || r.encryptedLegacy || r.failed.length) {
        this.logger.info(
          { keyId: r.keyId, rewrapped: r.rewrapped, encryptedLegacy: r.encryptedLegacy, failed: r.failed },
          'integration secrets migrated to the current key-encryption key',
        );
      }
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'integration secrets migration failed');
    }
  }
}

/**
 * Provides {@link IntegrationStore} (on the service's `PG_POOL`; needs `PersistenceModule`) and
 * {@link OutboundHttp} (the outbound URL policy) to every module of a service.
 */
@Global()
@Module({})
export class IntegrationsModule {
  /**
   * @param opts.config the service's validated config (includes `SecretsConfigSchema` and
   *   `OutboundConfigSchema`)
   * @param opts.keyEncryptionKeys a KMS-backed provider instead of the environment KEKs
   * @param opts.migrateOnStart run {@link SecretsMigrationOnStart} (the table's owner service only)
   */
  static forRoot(opts: {
    config: SecretsConfig & OutboundConfig;
    keyEncryptionKeys?: KeyEncryptionKeyProvider;
    migrateOnStart?: boolean;
  }): DynamicModule {
    return {
      module: IntegrationsModule,
      providers: [
        {
          provide: KEY_ENCRYPTION_KEYS,
          useValue: opts.keyEncryptionKeys ?? keyEncryptionKeysFromConfig(opts.config),
        },
        {
          provide: IntegrationStore,
          inject: [PG_POOL, KEY_ENCRYPTION_KEYS],
          useFactory: (pool: Pool, keks: KeyEncryptionKeyProvider) =>
            new IntegrationStore(pool, new SecretsCipher(keks), {
              readCacheTtlMs: opts.config.HUB_INTEGRATIONS_CACHE_TTL_MS,
            }),
        },
        { provide: OutboundHttp, useValue: new OutboundHttp(outboundPolicyFromConfig(opts.config)) },
        ...(opts.migrateOnStart ? [SecretsMigrationOnStart] : []),
      ],
      exports: [IntegrationStore, OutboundHttp, KEY_ENCRYPTION_KEYS],
    };
  }
}
