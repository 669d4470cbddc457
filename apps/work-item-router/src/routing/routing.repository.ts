import { Injectable } from '@nestjs/common';
import {
  Prisma,
  type AgentModel,
  type OfferModel,
  type PrismaExecutor,
  type PrismaTx,
  type QueueModel,
  type WorkItemModel,
} from '@hub/persistence';
import type { AgentCandidate, WaitingItem, WorkItemType } from '../domain/agent-selection';

/** `queues` columns under their model names. */
const QUEUE_COLUMNS = Prisma.raw(
  `id::text AS id, tenant_id AS "tenantId", name, active, is_default AS "isDefault",
   offer_timeout_seconds AS "offerTimeoutSeconds", priority_handling AS "priorityHandling",
   created_at AS "createdAt", updated_at AS "updatedAt"`,
);

/** `work_items` columns under their model names (all of WorkItemModel). */
const WORK_ITEM_COLUMNS = Prisma.raw(
  `id::text AS id, tenant_id AS "tenantId", handoff_id::text AS "handoffId", conversation_id AS "conversationId",
   integration_id::text AS "integrationId", type, status, priority, queue_id::text AS "queueId", agent_id AS "agentId",
   queue_resolution AS "queueResolution", routing, end_reason AS "endReason", channel, transcript, summary,
   summary_source AS "summarySource", intent, escalation_reason AS "escalationReason", sentiment,
   sentiment_source AS "sentimentSource", attributes, contact, wrap_up_note AS "wrapUpNote",
   wrap_up_disposition AS "wrapUpDisposition", created_at AS "createdAt", enqueued_at AS "enqueuedAt",
   assigned_at AS "assignedAt", completed_at AS "completedAt", ended_at AS "endedAt", updated_at AS "updatedAt"`,
);

/** `offers` columns under their model names (all of OfferModel). */
const OFFER_COLUMNS = Prisma.raw(
  `id::text AS id, tenant_id AS "tenantId", work_item_id::text AS "workItemId", agent_id AS "agentId",
   queue_id::text AS "queueId", status, event_id::text AS "eventId", created_at AS "createdAt",
   expires_at AS "expiresAt", resolved_at AS "resolvedAt", reason`,
);

/** Agent columns the routing decisions need. */
export interface AgentSnapshot extends AgentCandidate {
  displayName: string;
  presenceChangedAt: Date;
}

/** A live offer, locked, with `expired` computed against the database clock. */
export interface LockedOffer extends OfferModel {
  expired: boolean;
}

interface AgentRow {
  id: string;
  displayName: string;
  presence: AgentCandidate['presence'];
  presenceChangedAt: Date;
  idleSince: Date;
  autoAccept: boolean;
  capacityChat: number;
  capacityCall: number;
  loadChat: number;
  loadCall: number;
}

function toSnapshot(r: AgentRow): AgentSnapshot {
  return {
    id: r.id,
    displayName: r.displayName,
    presence: r.presence,
    presenceChangedAt: r.presenceChangedAt,
    idleSince: r.idleSince,
    autoAccept: r.autoAccept,
    capacity: { chat: r.capacityChat, call: r.capacityCall },
    load: { chat: r.loadChat, call: r.loadCall },
  };
}

/**
 * PostgreSQL access on the routing hot path (inside the caller's transaction). Concurrency rules —
 * every routing transaction takes its locks in this order, so replicas never deadlock on them:
 *   1. queue rows (sorted by id, one statement): `FOR NO KEY UPDATE` for everything that makes an
 *      agent available or dispatches agents to waiting items, `FOR SHARE` for `create` (after its
 *      insert) — which prevents lost wake-ups (an agent coming online on replica A while a work
 *      item is created on replica B) while creates run in parallel;
 *   2. work item rows (`FOR UPDATE`), then their offers;
 *   3. agent rows, only through the atomic conditional UPDATEs {@link claimSlot}/{@link releaseSlot}
 *      (the capacity check is in the UPDATE's WHERE, re-evaluated on the latest row version, so two
 *      transactions in different queues can never both take an agent's last slot).
 * Accept locks only the work item (it neither frees nor takes capacity).
 */
@Injectable()
export class RoutingRepository {
  /**
   * The first reads of `create`, in one round trip: claims `eventId` for `consumer` in the inbox
   * (`processed_events`), looks up any work item with this id (whatever its tenant) and loads all
   * queues of the tenant (resolution input).
   * @returns `claimed` false for a duplicate command; `existingTenantId` of an existing item with this id
   */
  async claimAndLoadForCreate(
    tx: PrismaTx,
    args: { consumer: string; eventId: string; workItemId: string; tenantId: string },
  ): Promise<{ claimed: boolean; existingTenantId: string | null; queues: QueueModel[] }> {
    const rows = await tx.$queryRaw<
      {
        claimed: boolean;
        existingTenantId: string | null;
        queues: (Omit<QueueModel, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string })[];
      }[]
    >`
      WITH c AS (
        INSERT INTO processed_events (consumer, event_id) VALUES (${args.consumer}, ${args.eventId})
        ON CONFLICT DO NOTHING RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM c) AS claimed,
             (SELECT tenant_id FROM work_items WHERE id = ${args.workItemId}::uuid) AS "existingTenantId",
             COALESCE((SELECT json_agg(json_build_object(
                 'id', id::text, 'tenantId', tenant_id, 'name', name, 'active', active, 'isDefault', is_default,
                 'offerTimeoutSeconds', offer_timeout_seconds, 'priorityHandling', priority_handling,
                 'createdAt', created_at, 'updatedAt', updated_at))
               FROM queues WHERE tenant_id = ${args.tenantId}), '[]'::json) AS queues`;
    const r = rows[0];
    return {
      claimed: r.claimed,
      existingTenantId: r.existingTenantId,
      queues: r.queues.map((q) => ({
        ...q,
        createdAt: new Date(q.createdAt),
        updatedAt: new Date(q.updatedAt),
      })),
    };
  }

  /** All queues of the tenant (resolution input). */
  tenantQueues(tx: PrismaTx, tenantId: string): Promise<QueueModel[]> {
    return tx.queue.findMany({ where: { tenantId } });
  }

  /** The tenant's queue, unlocked; null if unknown (or another tenant's). */
  findQueue(tx: PrismaTx, tenantId: string, id: string): Promise<QueueModel | null> {
    return tx.queue.findFirst({ where: { tenantId, id } });
  }

  /**
   * Locks the given queues of the tenant in id order, in one statement (lock step 1).
   * `exclusive` (FOR NO KEY UPDATE) for transactions that free capacity or dispatch agents to
   * waiting items; `shared` (FOR SHARE) for `create`, which only adds a waiting item and offers it —
   * creates run in parallel with each other but never overlap an exclusive holder, so an agent
   * becoming available and a new item can never miss each other.
   * @returns the locked queues by id (unknown ids / other tenants' ids are absent)
   */
  async lockQueues(
    tx: PrismaTx,
    tenantId: string,
    ids: Iterable<string | null | undefined>,
    mode: 'exclusive' | 'shared' = 'exclusive',
  ): Promise<Map<string, QueueModel>> {
    const uniq = [...new Set([...ids].filter((x): x is string => !!x))];
    if (!uniq.length) return new Map();
    const rows =
      mode === 'shared'
        ? await tx.$queryRaw<QueueModel[]>`
            SELECT ${QUEUE_COLUMNS} FROM queues WHERE tenant_id = ${tenantId} AND id = ANY(${uniq}::uuid[])
            ORDER BY id FOR SHARE`
        : await tx.$queryRaw<QueueModel[]>`
            SELECT ${QUEUE_COLUMNS} FROM queues WHERE tenant_id = ${tenantId} AND id = ANY(${uniq}::uuid[])
            ORDER BY id FOR NO KEY UPDATE`;
    return new Map(rows.map((q) => [q.id, q]));
  }

  /** Ids of the queues the agent is a member of. */
  async agentQueueIds(tx: PrismaTx, tenantId: string, agentId: string): Promise<string[]> {
    const rows = await tx.agentQueue.findMany({ where: { tenantId, agentId }, select: { queueId: true } });
    return rows.map((r) => r.queueId);
  }

  /** The agent of the tenant, unlocked; null if unknown. */
  findAgent(tx: PrismaTx, tenantId: string, id: string): Promise<AgentModel | null> {
    return tx.agent.findUnique({ where: { tenantId_id: { tenantId, id } } });
  }

  /** Locks the agent row (presence changes). */
  async lockAgent(tx: PrismaTx, tenantId: string, id: string): Promise<AgentSnapshot | null> {
    const rows = await tx.$queryRaw<AgentRow[]>`
      SELECT id, display_name AS "displayName", presence, presence_changed_at AS "presenceChangedAt",
             idle_since AS "idleSince", auto_accept AS "autoAccept", capacity_chat AS "capacityChat",
             capacity_call AS "capacityCall", load_chat AS "loadChat", load_call AS "loadCall"
      FROM agents WHERE tenant_id = ${tenantId} AND id = ${id} FOR UPDATE`;
    return rows[0] ? toSnapshot(rows[0]) : null;
  }

  /** Current snapshot of an agent (no lock). */
  async agentSnapshot(tx: PrismaTx, tenantId: string, id: string): Promise<AgentSnapshot | null> {
    const rows = await tx.$queryRaw<AgentRow[]>`
      SELECT id, display_name AS "displayName", presence, presence_changed_at AS "presenceChangedAt",
             idle_since AS "idleSince", auto_accept AS "autoAccept", capacity_chat AS "capacityChat",
             capacity_call AS "capacityCall", load_chat AS "loadChat", load_call AS "loadCall"
      FROM agents WHERE tenant_id = ${tenantId} AND id = ${id}`;
    return rows[0] ? toSnapshot(rows[0]) : null;
  }

  /** Any work item with this id, whatever its tenant (create idempotency and tenant-mismatch check). */
  findItemAnyTenant(tx: PrismaTx, id: string): Promise<WorkItemModel | null> {
    return tx.workItem.findUnique({ where: { id } });
  }

  /** The tenant's work item, unlocked. */
  findItem(tx: PrismaTx, tenantId: string, id: string): Promise<WorkItemModel | null> {
    return tx.workItem.findFirst({ where: { tenantId, id } });
  }

  /** Locks and returns the tenant's work item (lock step 2). */
  async lockItem(tx: PrismaTx, tenantId: string, id: string): Promise<WorkItemModel | null> {
    // Lock and read in one statement (was SELECT … FOR UPDATE, then findUnique).
    const rows = await tx.$queryRaw<WorkItemModel[]>`
      SELECT ${WORK_ITEM_COLUMNS} FROM work_items WHERE tenant_id = ${tenantId} AND id = ${id}::uuid FOR UPDATE`;
    return rows[0] ?? null;
  }

  /** Locks and returns the live offer of a (locked) work item, if any. */
  async lockLiveOffer(tx: PrismaTx, workItemId: string): Promise<LockedOffer | null> {
    // Lock and read in one statement (was SELECT … FOR UPDATE, then findUniqueOrThrow).
    const rows = await tx.$queryRaw<LockedOffer[]>`
      SELECT ${OFFER_COLUMNS}, (expires_at <= clock_timestamp()) AS expired
      FROM offers WHERE work_item_id = ${workItemId}::uuid AND status = 'live' FOR UPDATE`;
    return rows[0] ?? null;
  }

  /** The live offer with this id (no lock), for the expiry scheduler. */
  findOffer(tx: PrismaTx, id: string): Promise<OfferModel | null> {
    return tx.offer.findUnique({ where: { id } });
  }

  /**
   * Online members of `queueId`, minus agents who declined or let expire an offer of this work item
   * since it entered its current queue (and since their own last presence change).
   */
  async candidateAgents(
    tx: PrismaTx,
    tenantId: string,
    queueId: string,
    workItemId: string,
  ): Promise<AgentSnapshot[]> {
    const rows = await tx.$queryRaw<AgentRow[]>`
      SELECT a.id, a.display_name AS "displayName", a.presence, a.presence_changed_at AS "presenceChangedAt",
             a.idle_since AS "idleSince", a.auto_accept AS "autoAccept", a.capacity_chat AS "capacityChat",
             a.capacity_call AS "capacityCall", a.load_chat AS "loadChat", a.load_call AS "loadCall"
      FROM agents a
      JOIN agent_queues aq ON aq.tenant_id = a.tenant_id AND aq.agent_id = a.id
      WHERE a.tenant_id = ${tenantId} AND aq.queue_id = ${queueId}::uuid AND a.presence = 'online'
        AND NOT EXISTS (
          SELECT 1 FROM offers o JOIN work_items wi ON wi.id = o.work_item_id
          WHERE o.work_item_id = ${workItemId}::uuid AND o.agent_id = a.id
            AND o.status IN ('declined', 'expired')
            AND o.created_at >= wi.enqueued_at AND o.created_at >= a.presence_changed_at)`;
    return rows.map(toSnapshot);
  }

  /**
   * Waiting work items an agent could take now: in the given (locked) queues the agent belongs to,
   * of a type it has a free slot for, not excluded by its own earlier decline/expiry. Pre-ordered
   * by the waiting order and bounded (`limit`); the domain's `nextItemForAgent` makes the pick.
   */
  async waitingItemsForAgent(
    tx: PrismaTx,
    args: {
      tenantId: string;
      agentId: string;
      queueIds: string[];
      types: WorkItemType[];
      excludeItemIds: string[];
      limit?: number;
    },
  ): Promise<WaitingItem[]> {
    if (!args.queueIds.length || !args.types.length) return [];
    return tx.$queryRaw<WaitingItem[]>`
      SELECT wi.id::text AS id, wi.type, wi.priority, wi.enqueued_at AS "enqueuedAt",
             q.priority_handling AS "priorityHandling"
      FROM work_items wi
      JOIN queues q ON q.id = wi.queue_id
      JOIN agent_queues aq ON aq.queue_id = wi.queue_id AND aq.tenant_id = wi.tenant_id AND aq.agent_id = ${args.agentId}
      JOIN agents a ON a.tenant_id = aq.tenant_id AND a.id = aq.agent_id
      WHERE wi.tenant_id = ${args.tenantId} AND wi.status = 'waiting'
        AND wi.queue_id = ANY(${args.queueIds}::uuid[])
        AND wi.type = ANY(${args.types}::text[])
        AND NOT (wi.id = ANY(${args.excludeItemIds}::uuid[]))
        AND NOT EXISTS (
          SELECT 1 FROM offers o
          WHERE o.work_item_id = wi.id AND o.agent_id = a.id AND o.status IN ('declined', 'expired')
            AND o.created_at >= wi.enqueued_at AND o.created_at >= a.presence_changed_at)
      ORDER BY CASE WHEN q.priority_handling = 'fifo' THEN 0 ELSE wi.priority END DESC, wi.enqueued_at, wi.id
      LIMIT ${args.limit ?? 25}`;
  }

  /**
   * Atomically takes one slot of `type` from an online agent with free capacity and marks it
   * routed-to (`idle_since = now()`). The capacity check sits in the UPDATE's WHERE, so concurrent
   * claims on the same agent serialise on its row and re-check against the latest load.
   * @returns the agent's display name and auto-accept flag, or null if it is not online / full
   */
  async claimSlot(
    tx: PrismaTx,
    tenantId: string,
    agentId: string,
    type: WorkItemType,
  ): Promise<{ id: string; displayName: string; autoAccept: boolean } | null> {
    const rows = await tx.$queryRaw<{ id: string; displayName: string; autoAccept: boolean }[]>`
      UPDATE agents SET
        load_chat = load_chat + CASE WHEN ${type} = 'chat' THEN 1 ELSE 0 END,
        load_call = load_call + CASE WHEN ${type} = 'call' THEN 1 ELSE 0 END,
        idle_since = now(), updated_at = now()
      WHERE tenant_id = ${tenantId} AND id = ${agentId} AND presence = 'online'
        AND CASE WHEN ${type} = 'chat' THEN load_chat < capacity_chat ELSE load_call < capacity_call END
      RETURNING id, display_name AS "displayName", auto_accept AS "autoAccept"`;
    return rows[0] ?? null;
  }

  /** Gives one slot of `type` back (never below zero). */
  async releaseSlot(tx: PrismaTx, tenantId: string, agentId: string, type: string): Promise<void> {
    await tx.$executeRaw`
      UPDATE agents SET
        load_chat = GREATEST(load_chat - CASE WHEN ${type} = 'chat' THEN 1 ELSE 0 END, 0),
        load_call = GREATEST(load_call - CASE WHEN ${type} = 'call' THEN 1 ELSE 0 END, 0),
        updated_at = now()
      WHERE tenant_id = ${tenantId} AND id = ${agentId}`;
  }

  /**
   * Inserts a live offer expiring `timeoutSeconds` from now (database clock) and marks the work item
   * `offered`, in one statement.
   * @returns the offer's creation and expiry instants
   */
  async insertOffer(
    tx: PrismaTx,
    o: {
      id: string;
      tenantId: string;
      workItemId: string;
      agentId: string;
      queueId: string;
      eventId: string;
      timeoutSeconds: number;
    },
  ): Promise<{ createdAt: Date; expiresAt: Date }> {
    const rows = await tx.$queryRaw<{ createdAt: Date; expiresAt: Date }[]>`
      WITH o AS (
        INSERT INTO offers (id, tenant_id, work_item_id, agent_id, queue_id, status, event_id, created_at, expires_at)
        VALUES (${o.id}::uuid, ${o.tenantId}, ${o.workItemId}::uuid, ${o.agentId}, ${o.queueId}::uuid, 'live',
                ${o.eventId}::uuid, now(), clock_timestamp() + make_interval(secs => ${o.timeoutSeconds}::int))
        RETURNING created_at, expires_at
      ), w AS (
        UPDATE work_items SET status = 'offered', updated_at = now() WHERE id = ${o.workItemId}::uuid RETURNING id
      )
      SELECT o.created_at AS "createdAt", o.expires_at AS "expiresAt" FROM o, w`;
    if (rows.length !== 1) throw new Error(`work item ${o.workItemId} vanished while offering it`);
    return rows[0];
  }

  /** Closes an offer (accepted | declined | expired | revoked). */
  async resolveOffer(
    tx: PrismaTx,
    id: string,
    status: 'accepted' | 'declined' | 'expired' | 'revoked',
    reason?: string | null,
  ): Promise<void> {
    await tx.$executeRaw`
      UPDATE offers SET status = ${status}, resolved_at = clock_timestamp(), reason = ${reason ?? null}
      WHERE id = ${id}::uuid`;
  }

  /**
   * Moves a work item to waiting in `queueId` (transfer): clears the agent, `enqueued_at` = now()
   * (database clock, like every timestamp the exclusion rules compare).
   */
  async moveToQueue(tx: PrismaTx, id: string, queueId: string): Promise<WorkItemModel> {
    await tx.$executeRaw`
      UPDATE work_items SET status = 'waiting', queue_id = ${queueId}::uuid, agent_id = NULL, assigned_at = NULL,
             enqueued_at = now(), updated_at = now()
      WHERE id = ${id}::uuid`;
    return tx.workItem.findUniqueOrThrow({ where: { id } });
  }

  /** Sets an agent's presence; `presence_changed_at` = now(), and coming online resets `idle_since`. */
  async setPresence(tx: PrismaTx, tenantId: string, agentId: string, presence: string): Promise<void> {
    await tx.$executeRaw`
      UPDATE agents SET presence = ${presence}, presence_changed_at = now(), updated_at = now(),
             idle_since = CASE WHEN ${presence} = 'online' THEN now() ELSE idle_since END
      WHERE tenant_id = ${tenantId} AND id = ${agentId}`;
  }

  /** Ids of live offers that are due (any tenant), oldest first. */
  async dueOfferIds(tx: PrismaExecutor, limit: number): Promise<string[]> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text AS id FROM offers WHERE status = 'live' AND expires_at <= clock_timestamp()
      ORDER BY expires_at LIMIT ${limit}`;
    return rows.map((r) => r.id);
  }

  /** Earliest expiry among live offers (any tenant), or null. */
  async nextExpiry(tx: PrismaExecutor): Promise<Date | null> {
    const rows = await tx.$queryRaw<
      { at: Date | null }[]
    >`SELECT min(expires_at) AS at FROM offers WHERE status = 'live'`;
    return rows[0]?.at ?? null;
  }
}
