import { Module, type DynamicModule, type OnApplicationShutdown, Inject } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { Pool } from 'pg';
import { createPgPool } from '@hub/persistence';
import { assertAuthConfig, type AuthConfig } from './auth.config';
import { ApiKeyVerifier } from './api-keys/api-key.verifier';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { HubAuthGuard } from './auth.guard';
import { OAuthVerifier } from './oauth/oauth.verifier';

/** Injection token of the auth lib's small PostgreSQL pool (`api_keys`). */
export const AUTH_PG_POOL = Symbol('AUTH_PG_POOL');

/** Options of {@link AuthModule.forRoot}. */
export interface AuthModuleOptions {
  /** Service name (error messages). */
  service: string;
  /** The service's validated config: `DATABASE_URL` plus {@link AuthConfig}. */
  config: AuthConfig & {
    DATABASE_URL: string;
    DATABASE_STATEMENT_TIMEOUT_MS?: number;
    DATABASE_IDLE_IN_TX_TIMEOUT_MS?: number;
    DATABASE_CONNECT_TIMEOUT_MS?: number;
  };
  /** Mount the API-key admin API (`/v1/api-keys`); work-item-router, the owner of tenants, does. */
  adminApi?: boolean;
}

class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(AUTH_PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * Authentication and authorization of a service's REST API: registers {@link HubAuthGuard} as the global
 * guard (`APP_GUARD`) of every route, with API keys (PostgreSQL, cached), OAuth client-credentials tokens
 * (when configured) and the platform-admin key; optionally the API-key admin API.
 * @throws ConfigError at start when the OAuth settings are incomplete
 */
@Module({})
export class AuthModule {
  static forRoot(opts: AuthModuleOptions): DynamicModule {
    assertAuthConfig(opts.service, opts.config);
    const c = opts.config;
    return {
      module: AuthModule,
      controllers: opts.adminApi ? [ApiKeysController] : [],
      providers: [
        {
          provide: AUTH_PG_POOL,
          // the service's pool timeouts (statement, idle-in-transaction, connect, client-side query) and an
          // error listener: an idle connection killed by a database restart must not crash the process
          useFactory: () =>
            createPgPool(c.DATABASE_URL, {
              max: 3,
              applicationName: `${opts.service}-auth`,
              statementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS,
              idleInTransactionTimeoutMs: c.DATABASE_IDLE_IN_TX_TIMEOUT_MS,
              connectionTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
            }),
        },
        PoolCloser,
        {
          provide: ApiKeysRepository,
          useFactory: (pool: Pool) => new ApiKeysRepository(pool),
          inject: [AUTH_PG_POOL],
        },
        {
          provide: ApiKeyVerifier,
          useFactory: (repo: ApiKeysRepository) => new ApiKeyVerifier(repo, c.AUTH_API_KEY_CACHE_TTL_MS),
          inject: [ApiKeysRepository],
        },
        {
          provide: APP_GUARD,
          useFactory: (reflector: Reflector, keys: ApiKeyVerifier) =>
            new HubAuthGuard(
              reflector,
              c,
              keys,
              c.AUTH_OAUTH_ISSUER && c.AUTH_OAUTH_AUDIENCE
                ? new OAuthVerifier({
                    ...c,
                    AUTH_OAUTH_ISSUER: c.AUTH_OAUTH_ISSUER,
                    AUTH_OAUTH_AUDIENCE: c.AUTH_OAUTH_AUDIENCE,
                  })
                : null,
            ),
          inject: [Reflector, ApiKeyVerifier],
        },
      ],
      exports: [ApiKeyVerifier],
    };
  }
}
