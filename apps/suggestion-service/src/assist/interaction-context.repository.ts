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
import type { ContextUtterance } from '../domain/conversation-query';

/** The stored context of one interaction. */
export interface InteractionContextView {
  queue: string | null;
  agentId: string | null;
  utterances: (ContextUtterance & { at: string })[];
}

/**
 * Per-interaction context window in PostgreSQL (`interaction_contexts`), so it survives restarts
 * and rebalances. Each call is one statement; events of one interaction arrive in order on one
 * partition, so there is no write race for an interaction. The per-utterance writes (`append`,
 * `touch`) are prepared statements on the node-postgres pool inside a tenant transaction (hot path:
 * every final utterance); reads and deletes go through Prisma.
 */
@Injectable()
export class InteractionContextRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /**
   * Appends a final utterance (ignored if its `utteranceId` is already in the window — redelivery)
   * and keeps the last `maxUtterances`. Queue and agent are updated when given.
   * @returns the window after the append, oldest first
   */
  async append(
    tenantId: string,
    interactionId: string,
    u: { provider: string; queue?: string; agentId?: string; utterance: ContextUtterance; at: string },
    maxUtterances: number,
  ): Promise<InteractionContextView> {
    const entry = JSON.stringify({ ...u.utterance, at: u.at });
    const { rows } = await inTenantTransaction(this.pool, tenantId, (c) =>
      preparedQuery<{
        queue: string | null;
        agent_id: string | null;
        utterances: InteractionContextView['utterances'];
      }>(
        c,
        'suggestion.contextAppend',
        `INSERT INTO interaction_contexts AS ic (tenant_id, interaction_id, provider, queue, agent_id, utterances, updated_at)
       VALUES ($1, $2, $3, $4, $5, jsonb_build_array($6::jsonb), now())
       ON CONFLICT (tenant_id, interaction_id) DO UPDATE SET
         provider = EXCLUDED.provider,
         queue = coalesce(EXCLUDED.queue, ic.queue),
         agent_id = coalesce(EXCLUDED.agent_id, ic.agent_id),
         utterances = CASE
           WHEN ic.utterances @> jsonb_build_array(jsonb_build_object('utteranceId', $7::text)) THEN ic.utterances
           ELSE (SELECT coalesce(jsonb_agg(x.e ORDER BY x.o), '[]'::jsonb) FROM (
                   SELECT e, o FROM jsonb_array_elements(ic.utterances || jsonb_build_array($6::jsonb))
                     WITH ORDINALITY AS a(e, o)
                   ORDER BY o DESC LIMIT $8) x)
         END,
         updated_at = now()
       RETURNING queue, agent_id, utterances`,
        [
          tenantId,
          interactionId,
          u.provider,
          u.queue ?? null,
          u.agentId ?? null,
          entry,
          u.utterance.utteranceId,
          maxUtterances,
        ],
      ),
    );
    return { queue: rows[0].queue, agentId: rows[0].agent_id, utterances: rows[0].utterances };
  }

  /** Records queue/agent from a lifecycle event (creates the context if needed). */
  async touch(
    tenantId: string,
    interactionId: string,
    u: { provider: string; queue?: string; agentId?: string },
  ): Promise<void> {
    await inTenantTransaction(this.pool, tenantId, (c) =>
      preparedQuery(
        c,
        'suggestion.contextTouch',
        `INSERT INTO interaction_contexts AS ic (tenant_id, interaction_id, provider, queue, agent_id, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (tenant_id, interaction_id) DO UPDATE SET
         queue = coalesce(EXCLUDED.queue, ic.queue),
         agent_id = coalesce(EXCLUDED.agent_id, ic.agent_id),
         updated_at = now()`,
        [tenantId, interactionId, u.provider, u.queue ?? null, u.agentId ?? null],
      ),
    );
  }

  /** Forgets an ended interaction. */
  async remove(tenantId: string, interactionId: string): Promise<void> {
    await forTenant(this.prisma, tenantId).interactionContext.deleteMany({
      where: { tenantId, interactionId },
    });
  }

  async get(tenantId: string, interactionId: string): Promise<InteractionContextView | null> {
    const r = await forTenant(this.prisma, tenantId).interactionContext.findUnique({
      where: { tenantId_interactionId: { tenantId, interactionId } },
    });
    return r
      ? {
          queue: r.queue,
          agentId: r.agentId,
          utterances: r.utterances as unknown as InteractionContextView['utterances'],
        }
      : null;
  }
}
