import { Injectable } from '@nestjs/common';
import {
  DEFAULT_ESCALATION_CONFIG,
  EscalationConfigSchema,
  type EscalationConfig,
} from './escalation-config';
import { EscalationRepository } from './escalation.repository';

/** A tenant's effective configuration and its revision (0 = defaults, never written). */
export interface EffectiveConfig {
  config: EscalationConfig;
  revision: number;
  updatedAt: Date | null;
}

/** Parsed configurations kept in memory (tenants); the least recently loaded are dropped first. */
const MAX_CACHED = 1000;

/**
 * Reads and writes a tenant's escalation configuration (`escalation_settings`, one document per tenant). A read
 * costs one small query (the revision); the document is fetched and parsed again only when the revision changed,
 * so every replica sees a write on its next decision.
 */
@Injectable()
export class EscalationConfigService {
  private readonly cache = new Map<string, EffectiveConfig>();

  constructor(private readonly repo: EscalationRepository) {}

  /** The tenant's configuration (defaults when none is stored). */
  async get(tenantId: string): Promise<EffectiveConfig> {
    const revision = await this.repo.configRevision(tenantId);
    if (revision === 0) return { config: DEFAULT_ESCALATION_CONFIG, revision: 0, updatedAt: null };
    const cached = this.cache.get(tenantId);
    if (cached && cached.revision === revision) return cached;
    const stored = await this.repo.getConfig(tenantId);
    if (!stored) return { config: DEFAULT_ESCALATION_CONFIG, revision: 0, updatedAt: null };
    // Stored documents were validated on write; parsing again applies defaults added since.
    const effective = {
      config: EscalationConfigSchema.parse(stored.config),
      revision: stored.revision,
      updatedAt: stored.updatedAt,
    };
    this.cache.delete(tenantId);
    this.cache.set(tenantId, effective);
    while (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    return effective;
  }

  /** Stores a validated configuration (as given, defaults applied) and returns it with its new revision. */
  async put(tenantId: string, config: EscalationConfig): Promise<EffectiveConfig> {
    const stored = await this.repo.putConfig(tenantId, config);
    const effective = { config, revision: stored.revision, updatedAt: stored.updatedAt };
    this.cache.set(tenantId, effective);
    return effective;
  }
}
