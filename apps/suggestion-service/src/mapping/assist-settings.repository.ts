import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Pool } from 'pg';
import {
  forTenant,
  inTenantTransaction,
  PG_POOL,
  preparedQuery,
  PRISMA,
  type PrismaClient,
} from '@hub/persistence';
import { IntegrationStore } from '@hub/integrations';
import { KnowledgeBaseChanges } from '../knowledge/knowledge-base-changes';

/** How long {@link AssistSettingsRepository.targetInputs} answers from memory, ms (`ASSIST_SETTINGS_CACHE_TTL_MS`). */
export const ASSIST_SETTINGS_CACHE_TTL_MS = Symbol('ASSIST_SETTINGS_CACHE_TTL_MS');

/** A queue-to-KB mapping row (seed 001 "Queue-to-KB Mapping"). */
export interface QueueMappingView {
  id: string;
  queue: string;
  knowledgeBaseId: string;
  systemPrompt: string | null;
  llmIntegrationId: string | null;
  updatedAt: string;
}

/** Tenant defaults used when no mapping matches. */
export interface AssistSettingsView {
  defaultKnowledgeBaseId: string | null;
  defaultSystemPrompt: string | null;
  llmIntegrationId: string | null;
}

/**
 * Queue mappings and tenant defaults in PostgreSQL, always scoped by tenant. The hot-path read
 * ({@link targetInputs}, every customer utterance) is answered from memory for a short TTL; every write
 * through this repository — and a knowledge base deleted through this process, which removes its mappings —
 * drops the tenant's cached reads at once; other replicas' writes are seen within the TTL (as the integration
 * store's reads).
 */
@Injectable()
export class AssistSettingsRepository {
  private readonly targets = new LRUCache<
    string,
    { until: number; value: [QueueMappingView | null, AssistSettingsView] }
  >({ max: 10_000 });

  /**
   * @param ttlMs   how long a target read is reused, ms (0 = always read); default 2000
   * @param changes KB changes made by this process (a deleted KB's mappings are gone)
   */
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly integrations: IntegrationStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(ASSIST_SETTINGS_CACHE_TTL_MS) private readonly ttlMs = 2000,
    @Optional() changes?: KnowledgeBaseChanges,
  ) {
    changes?.onChange((tenantId) => this.forget(tenantId));
  }

  /** Bumped by every {@link forget}: a read that started before a write must not be cached after it. */
  private generation = 0;

  /** Drops the tenant's cached target reads (after a write committed). */
  private forget(tenantId: string): void {
    this.generation += 1;
    for (const k of this.targets.keys()) if (k.startsWith(`${tenantId}\u0000`)) this.targets.delete(k);
  }

  /**
   * What a customer utterance needs to find its knowledge base, in one prepared statement (hot path: every
   * customer utterance): the mapping of `queue` (null when none is given or mapped) and the tenant defaults.
   */
  async targetInputs(
    tenantId: string,
    queue: string | undefined,
  ): Promise<[QueueMappingView | null, AssistSettingsView]> {
    const key = `${tenantId}\u0000${queue === undefined ? '' : `q${queueKey(queue)}`}`;
    const hit = this.targets.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const generation = this.generation;
    const value = await this.readTargetInputs(tenantId, queue);
    if (this.ttlMs > 0 && generation === this.generation)
      this.targets.set(key, { until: Date.now() + this.ttlMs, value });
    return value;
  }

  private async readTargetInputs(
    tenantId: string,
    queue: string | undefined,
  ): Promise<[QueueMappingView | null, AssistSettingsView]> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (c) =>
      preparedQuery<{
        m_id: string | null;
        m_queue: string | null;
        m_kb: string | null;
        m_prompt: string | null;
        m_llm: string | null;
        m_updated: Date | null;
        s_kb: string | null;
        s_prompt: string | null;
        s_llm: string | null;
      }>(
        c,
        'suggestion.assistTarget',
        `SELECT m.id AS m_id, m.queue_name AS m_queue, m.knowledge_base_id AS m_kb, m.system_prompt AS m_prompt,
                m.llm_integration_id AS m_llm, m.updated_at AS m_updated,
                s.default_knowledge_base_id AS s_kb, s.default_system_prompt AS s_prompt, s.llm_integration_id AS s_llm
         FROM (SELECT 1) one
         LEFT JOIN queue_kb_mappings m ON $2::text IS NOT NULL AND m.tenant_id = $1 AND m.queue_key = $2
         LEFT JOIN tenant_assist_settings s ON s.tenant_id = $1`,
        [tenantId, queue === undefined ? null : queueKey(queue)],
      ),
    );
    const r = rows[0];
    const mapping =
      r.m_id === null
        ? null
        : mappingView({
            id: r.m_id,
            queueName: r.m_queue!,
            knowledgeBaseId: r.m_kb!,
            systemPrompt: r.m_prompt,
            llmIntegrationId: r.m_llm,
            updatedAt: r.m_updated!,
          });
    return [
      mapping,
      { defaultKnowledgeBaseId: r.s_kb, defaultSystemPrompt: r.s_prompt, llmIntegrationId: r.s_llm },
    ];
  }

  /** Mapping of a queue/skill name (case-insensitive, trimmed), or null. */
  async findMapping(tenantId: string, queue: string): Promise<QueueMappingView | null> {
    const m = await forTenant(this.prisma, tenantId).queueKbMapping.findUnique({
      where: { tenantId_queueKey: { tenantId, queueKey: queueKey(queue) } },
    });
    return m ? mappingView(m) : null;
  }

  async listMappings(tenantId: string): Promise<QueueMappingView[]> {
    const rows = await forTenant(this.prisma, tenantId).queueKbMapping.findMany({
      where: { tenantId },
      orderBy: { queueKey: 'asc' },
    });
    return rows.map(mappingView);
  }

  async upsertMapping(
    tenantId: string,
    queue: string,
    m: { knowledgeBaseId: string; systemPrompt: string | null; llmIntegrationId: string | null },
  ): Promise<QueueMappingView> {
    const key = queueKey(queue);
    const row = await forTenant(this.prisma, tenantId).queueKbMapping.upsert({
      where: { tenantId_queueKey: { tenantId, queueKey: key } },
      create: { id: randomUUID(), tenantId, queueName: queue.trim(), queueKey: key, ...m },
      update: { queueName: queue.trim(), ...m },
    });
    this.forget(tenantId);
    return mappingView(row);
  }

  async deleteMapping(tenantId: string, queue: string): Promise<boolean> {
    const n = await forTenant(this.prisma, tenantId).queueKbMapping.deleteMany({
      where: { tenantId, queueKey: queueKey(queue) },
    });
    this.forget(tenantId);
    return n.count > 0;
  }

  async getSettings(tenantId: string): Promise<AssistSettingsView> {
    const s = await forTenant(this.prisma, tenantId).tenantAssistSettings.findUnique({ where: { tenantId } });
    return {
      defaultKnowledgeBaseId: s?.defaultKnowledgeBaseId ?? null,
      defaultSystemPrompt: s?.defaultSystemPrompt ?? null,
      llmIntegrationId: s?.llmIntegrationId ?? null,
    };
  }

  async putSettings(tenantId: string, s: AssistSettingsView): Promise<AssistSettingsView> {
    await forTenant(this.prisma, tenantId).tenantAssistSettings.upsert({
      where: { tenantId },
      create: { tenantId, ...s },
      update: s,
    });
    this.forget(tenantId);
    return s;
  }

  /** True when the integration exists for the tenant with type `llm`. */
  async llmIntegrationExists(tenantId: string, id: string): Promise<boolean> {
    return this.integrations.exists(tenantId, id, 'llm');
  }
}

/** Normalised queue key: trimmed, lower-case. */
export function queueKey(queue: string): string {
  return queue.trim().toLowerCase();
}

function mappingView(m: {
  id: string;
  queueName: string;
  knowledgeBaseId: string;
  systemPrompt: string | null;
  llmIntegrationId: string | null;
  updatedAt: Date;
}): QueueMappingView {
  return {
    id: m.id,
    queue: m.queueName,
    knowledgeBaseId: m.knowledgeBaseId,
    systemPrompt: m.systemPrompt,
    llmIntegrationId: m.llmIntegrationId,
    updatedAt: m.updatedAt.toISOString(),
  };
}
