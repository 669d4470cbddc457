import { Global, Module, type DynamicModule } from '@nestjs/common';
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
   */
  static forRoot(opts: {
    config: SecretsConfig & OutboundConfig;
    keyEncryptionKeys?: KeyEncryptionKeyProvider;
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
            new IntegrationStore(pool, new SecretsCipher(keks)),
        },
        { provide: OutboundHttp, useValue: new OutboundHttp(outboundPolicyFromConfig(opts.config)) },
      ],
      exports: [IntegrationStore, OutboundHttp, KEY_ENCRYPTION_KEYS],
    };
  }
}
