import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { formatIssues, parseIntegration } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import { forTenant, PRISMA, type PrismaClient } from '@hub/persistence';
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
  sttProvider: 'pocketsphinx' | 'google';
}

const hashKey = (apiKey: string) => createHash('sha256').update(apiKey).digest('hex');

/**
 * Enabled `genesys_audiohook` integrations of every tenant, looked up by API key. The whole set is
 * cached for `AUDIOHOOK_TENANT_CACHE_TTL_MS`; a miss reloads it at most once a second (so a new
 * integration works quickly but unknown keys cannot hammer PostgreSQL). Keys are indexed by their
 * SHA-256 so the lookup time does not depend on how much of a key matches. Rows whose config or
 * secrets do not validate are skipped with a warning naming the field.
 */
@Injectable()
export class AudioHookTenantRepository {
  private byKey = new Map<string, AudioHookTenant>();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
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
    // (tenant, id) of every tenant's enabled integration through the SECURITY DEFINER function
    // `hub_enabled_integrations` (a system path: the tenant is what the API key selects), then each row
    // inside its own tenant (docs/security/tenancy.md).
    const refs = await this.prisma.$queryRaw<{ tenant_id: string; id: string }[]>`
      SELECT tenant_id, id::text AS id FROM hub_enabled_integrations('genesys_audiohook')`;
    const rows = [];
    for (const ref of refs) {
      const row = await forTenant(this.prisma, ref.tenant_id).integration.findFirst({
        where: { id: ref.id, type: 'genesys_audiohook', enabled: true },
        select: { id: true, tenantId: true, config: true, secrets: true },
      });
      if (row) rows.push(row);
    }
    const next = new Map<string, AudioHookTenant>();
    for (const row of rows) {
      try {
        const { config, secrets } = parseIntegration('genesys_audiohook', row.config, row.secrets);
        next.set(hashKey(secrets.apiKey), {
          tenantId: row.tenantId,
          integrationId: row.id,
          organizationId: config.organizationId.toLowerCase(),
          apiKey: secrets.apiKey,
          clientSecret: secrets.clientSecret ? Buffer.from(secrets.clientSecret, 'base64') : undefined,
          sendTranscriptEvents: config.sendTranscriptEvents,
          language: config.language,
          sttProvider: config.sttProvider,
        });
      } catch (e) {
        const issues = (e as { issues?: Parameters<typeof formatIssues>[0] }).issues;
        this.logger.warn(
          { integrationId: row.id, tenantId: row.tenantId, error: issues ? formatIssues(issues) : String(e) },
          'skipping invalid genesys_audiohook integration',
        );
      }
    }
    this.byKey = next;
    this.loadedAt = Date.now();
  }
}
