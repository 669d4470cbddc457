import { Inject, Injectable } from '@nestjs/common';
import { WorkItemContextSchema, type AgentWorkItemView, type WorkItemContext } from '@hub/contracts';
import type { Pool } from 'pg';
import {
  inTenantTransaction,
  PG_POOL,
  preparedQuery,
  type QueueModel,
  type WorkItemModel,
} from '@hub/persistence';
import { TenantClients } from '../common/tenant-clients';
import type {
  AgentOfferView,
  QueueView,
  TransferView,
  WorkItemDetail,
  WorkItemReader,
  AgentPresence,
  WorkItemRef,
} from './work-item.reader';

/** Offer statuses in the router's `offers` table. */
const LIVE = 'live';

/**
 * {@link WorkItemReader} over the work-item router's tables (`work_items`, `offers`, `queues`,
 * `work_item_transfers`), every query tenant-scoped (row-level security): through `forTenant` (Prisma)
 * for the desktop's views, and — on the accept / decline / wrap-up hot path ({@link findLiveOffer},
 * {@link findRef}) — one prepared statement over node-postgres in a tenant transaction
 * (`inTenantTransaction`: BEGIN + SET LOCAL in one round trip), which waits for a pooled connection
 * instead of failing after Prisma's 2 s transaction wait when the database is saturated (issue 14's
 * benchmark: accepts failed and their offers expired). A live offer is one with status `live` whose
 * `expires_at` is still in the future.
 */
@Injectable()
export class PrismaWorkItemReader implements WorkItemReader {
  constructor(
    @Inject(TenantClients) private readonly db: TenantClients,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async inbox(
    tenantId: string,
    agentId: string,
  ): Promise<{ offers: AgentOfferView[]; assigned: AgentWorkItemView[] }> {
    const db = this.db.for(tenantId);
    const [offers, assigned] = await Promise.all([
      db.offer.findMany({
        where: { agentId, status: LIVE, expiresAt: { gt: new Date() } },
        include: { workItem: { include: { queue: true } } },
        orderBy: { createdAt: 'asc' },
      }),
      db.workItem.findMany({
        where: { agentId, status: 'assigned' },
        include: { queue: true },
        orderBy: { assignedAt: 'asc' },
      }),
    ]);
    return {
      offers: offers.map((o) => ({
        offerId: o.id,
        expiresAt: o.expiresAt.toISOString(),
        workItem: toView(o.workItem, o.workItem.queue),
      })),
      assigned: assigned.map((w) => toView(w, w.queue)),
    };
  }

  async presence(tenantId: string, agentId: string): Promise<AgentPresence | null> {
    const agent = await this.db
      .for(tenantId)
      .agent.findFirst({ where: { id: agentId }, select: { presence: true } });
    return (agent?.presence as AgentPresence | undefined) ?? null;
  }

  async findVisible(tenantId: string, agentId: string, workItemId: string): Promise<WorkItemDetail | null> {
    const db = this.db.for(tenantId);
    const w = await db.workItem.findFirst({
      where: { id: workItemId },
      include: {
        queue: true,
        offers: { where: { agentId, status: LIVE, expiresAt: { gt: new Date() } }, take: 1 },
        transfers: { orderBy: { at: 'asc' } },
      },
    });
    if (!w) return null;
    const offer = w.offers[0];
    const assignedToCaller = w.status === 'assigned' && w.agentId === agentId;
    if (!assignedToCaller && !offer) return null;
    const queueIds = [...new Set(w.transfers.flatMap((t) => [t.fromQueueId, t.toQueueId]).filter(isString))];
    const names = new Map(
      queueIds.length
        ? (
            await db.queue.findMany({ where: { id: { in: queueIds } }, select: { id: true, name: true } })
          ).map((q) => [q.id, q.name] as const)
        : [],
    );
    const transfers: TransferView[] = w.transfers.map((t) => ({
      fromQueueId: t.fromQueueId,
      fromQueueName: t.fromQueueId ? (names.get(t.fromQueueId) ?? null) : null,
      toQueueId: t.toQueueId,
      toQueueName: names.get(t.toQueueId) ?? null,
      byAgentId: t.byAgentId,
      reason: t.reason,
      at: t.at.toISOString(),
    }));
    return {
      ...toView(w, w.queue),
      agentId: w.agentId,
      offer: offer ? { offerId: offer.id, expiresAt: offer.expiresAt.toISOString() } : null,
      transfers,
    };
  }

  async findRef(tenantId: string, workItemId: string): Promise<WorkItemRef | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery<WorkItemRef>(
        db,
        'agw.findRef',
        `SELECT id::text AS "workItemId", conversation_id AS "conversationId", status, agent_id AS "agentId",
                queue_id::text AS "queueId"
         FROM work_items WHERE tenant_id = $1 AND id = $2::uuid`,
        [tenantId, workItemId],
      ),
    );
    return rows[0] ?? null;
  }

  async findLiveOffer(
    tenantId: string,
    agentId: string,
    workItemId: string,
  ): Promise<{ offerId: string; conversationId: string } | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery<{ offerId: string; conversationId: string }>(
        db,
        'agw.findLiveOffer',
        `SELECT o.id::text AS "offerId", w.conversation_id AS "conversationId"
         FROM offers o JOIN work_items w ON w.tenant_id = o.tenant_id AND w.id = o.work_item_id
         WHERE o.tenant_id = $1 AND o.work_item_id = $2::uuid AND o.agent_id = $3
           AND o.status = 'live' AND o.expires_at > now()
         ORDER BY o.created_at LIMIT 1`,
        [tenantId, workItemId, agentId],
      ),
    );
    return rows[0] ?? null;
  }

  async findByConversation(tenantId: string, conversationId: string): Promise<WorkItemRef | null> {
    const rows = await this.db.for(tenantId).workItem.findMany({
      where: { conversationId },
      select: { id: true, conversationId: true, status: true, agentId: true, queueId: true, createdAt: true },
      orderBy: { createdAt: 'desc' },
      take: 5,
    });
    const open = rows.find(
      (r) => r.status === 'assigned' || r.status === 'offered' || r.status === 'waiting',
    );
    const pick = open ?? rows[0];
    return pick ? toRef(pick) : null;
  }

  async queues(tenantId: string): Promise<QueueView[]> {
    return this.db.for(tenantId).queue.findMany({
      where: { active: true },
      select: { id: true, name: true },
      orderBy: { name: 'asc' },
    });
  }
}

function isString(x: string | null): x is string {
  return typeof x === 'string';
}

function toRef(
  w: Pick<WorkItemModel, 'id' | 'conversationId' | 'status' | 'agentId' | 'queueId'>,
): WorkItemRef {
  return {
    workItemId: w.id,
    conversationId: w.conversationId,
    status: w.status as WorkItemRef['status'],
    agentId: w.agentId,
    queueId: w.queueId,
  };
}

/** Maps a work item row to the view pushed to agents (same shape as the router's Redis `offer`). */
export function toView(w: WorkItemModel, queue: Pick<QueueModel, 'name'> | null): AgentWorkItemView {
  const context: WorkItemContext = WorkItemContextSchema.parse({
    channel: w.channel,
    transcript: w.transcript ?? [],
    summary: w.summary,
    summarySource: w.summarySource,
    intent: w.intent,
    escalationReason: w.escalationReason,
    sentiment: w.sentiment,
    sentimentSource: w.sentimentSource,
    attributes: w.attributes ?? {},
    contact: w.contact ?? {},
  });
  return {
    workItemId: w.id,
    conversationId: w.conversationId,
    queueId: w.queueId,
    queueName: queue?.name ?? null,
    type: w.type as AgentWorkItemView['type'],
    status: w.status as AgentWorkItemView['status'],
    priority: w.priority,
    context,
    createdAt: w.createdAt.toISOString(),
    assignedAt: w.assignedAt?.toISOString() ?? null,
  };
}
