import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { IntegrationStore } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import type { AudioHookConfig } from '../config';
import { AUDIOHOOK_CONFIG } from '../tokens';

/** A tenant's AudioHook integration, ready for authentication and session settings. */
export interface AudioHookTenant {
  tenantId: string;
  integrationId: string;
  /** Genesys Cloud organization id (UUID, lower case). */
  organizationId: string;
  apiKey: string;
  /** HMAC key for RFC 9421 signatures (base64-decoded client secret); unsigned requests when absent. */
  clientSecret?: Buffer;
  sendTranscriptEvents: boolean;
  /** Default language when `open` has none (BCP 47). */
  language: string;
  sttProvider: 'moonshine' | 'pocketsphinx' | 'google' | 'openai' | 'vosk';
  /** Recognition hints (entity and product names) for engines that take them. */
  vocabulary: readonly string[];
}

const hashKey = (apiKey: string) => createHash('sha256').update(apiKey).digest('hex');

/**
 * Enabled `genesys_audiohook` integrations of every tenant, looked up by API key. The whole set is
 * cached for `AUDIOHOOK_TENANT_CACHE_TTL_MS`; a miss reloads it at most once a second (so a new
 * integration works quickly but unknown keys cannot hammer PostgreSQL). Keys are indexed by their
 * SHA-256 so the lookup time does not depend on how much of a key matches. Rows whose config or
 * secrets do not validate (or decrypt) are skipped with a warning naming the field. The rows come from
 * the {@link IntegrationStore} (secrets decrypted there; an API key is unique across tenants).
 */
@Injectable()
export class AudioHookTenantRepository {
  private byKey = new Map<string, AudioHookTenant>();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly store: IntegrationStore,
    @Inject(AUDIOHOOK_CONFIG) private readonly config: AudioHookConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @returns the tenant whose integration has this API key, or null */
  async findByApiKey(apiKey: string): Promise<AudioHookTenant | null> {
    const age = Date.now() - this.loadedAt;
    if (age > this.config.AUDIOHOOK_TENANT_CACHE_TTL_MS) await this.reload();
    let hit = this.byKey.get(hashKey(apiKey));
    if (!hit && Date.now() - this.loadedAt > 1000) {
      await this.reload();
      hit = this.byKey.get(hashKey(apiKey));
    }
    return hit ?? null;
  }

  /** Forgets the cache (tests, admin changes). */
  invalidate(): void {
    this.loadedAt = 0;
  }

  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const rows = await this.store.loadAllEnabled('genesys_audiohook', (integrationId, tenantId, e) =>
      this.logger.warn(
        { integrationId, tenantId, error: e.message },
        'skipping invalid genesys_audiohook integration',
      ),
    );
    const next = new Map<string, AudioHookTenant>();
    for (const { id, tenantId, config, secrets } of rows) {
      next.set(hashKey(secrets.apiKey), {
        tenantId,
        integrationId: id,
        organizationId: config.organizationId.toLowerCase(),
        apiKey: secrets.apiKey,
        clientSecret: secrets.clientSecret ? Buffer.from(secrets.clientSecret, 'base64') : undefined,
        sendTranscriptEvents: config.sendTranscriptEvents,
        language: config.language,
        sttProvider: config.sttProvider,
        vocabulary: config.vocabulary,
      });
    }
    this.byKey = next;
    this.loadedAt = Date.now();
  }
}
