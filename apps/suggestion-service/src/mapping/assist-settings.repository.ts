import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
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

/** Queue mappings and tenant defaults in PostgreSQL, always scoped by tenant. */
@Injectable()
export class AssistSettingsRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly integrations: IntegrationStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /**
   * What a customer utterance needs to find its knowledge base, in one prepared statement (hot path: every
   * customer utterance): the mapping of `queue` (null when none is given or mapped) and the tenant defaults.
   */
  async targetInputs(
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
    return mappingView(row);
  }

  async deleteMapping(tenantId: string, queue: string): Promise<boolean> {
    const n = await forTenant(this.prisma, tenantId).queueKbMapping.deleteMany({
      where: { tenantId, queueKey: queueKey(queue) },
    });
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
