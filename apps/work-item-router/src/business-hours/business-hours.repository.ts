import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, Prisma, forTenant, type PrismaClient } from '@hub/persistence';
import type { BusinessHoursSpec } from '@hub/scheduling';

/** How many of the queue's most recent pickups the estimated wait is the median of. */
export const WAIT_SAMPLE_SIZE = 20;
/** Only pickups this recent count (older ones say little about the queue today): 24 hours. */
export const WAIT_SAMPLE_WINDOW_HOURS = 24;

/** A stored schedule (`queue_business_hours` row). */
export interface StoredBusinessHours {
  queueId: string;
  schedule: BusinessHoursSpec;
  revision: number;
  updatedAt: Date;
}

/** Capacity and queue statistics of one queue, read in one statement. */
export interface QueueStats {
  onlineAgents: number;
  /** Sum over online member agents of max(capacity - load, 0), per work-item type. */
  freeCapacity: { chat: number; call: number };
  /** Work items in status `waiting` (not yet offered) in the queue, per type. */
  waiting: { chat: number; call: number };
  /** Median of (assigned_at - enqueued_at) over the sample, ms; null without samples. */
  medianPickupMs: number | null;
  samples: number;
  hours: StoredBusinessHours | null;
}

/** Position of a work item in its queue (see {@link BusinessHoursRepository.position}). */
export interface WorkItemPosition {
  workItemId: string;
  queueId: string | null;
  type: string;
  status: string;
  /** 1-based place among the queue's waiting items of the same type, in dispatch order; null unless waiting. */
  position: number | null;
  /** Waiting items of the same type in the queue. */
  waiting: number;
}

type StatsRow = {
  online: number;
  free_chat: number;
  free_call: number;
  waiting_chat: number;
  waiting_call: number;
  median_ms: number | null;
  samples: number;
  schedule: BusinessHoursSpec | null;
  revision: number | null;
  updated_at: Date | null;
};

/**
 * The router's business-hours table (`queue_business_hours`, migration 20261202141000_business_hours) and the
 * cheap availability reads over the router's own tables (agents, agent_queues, work_items). Every statement
 * runs under row-level security with the tenant set (`forTenant`).
 */
@Injectable()
export class BusinessHoursRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** The queue's schedule, or null when it has none. */
  async find(tenantId: string, queueId: string): Promise<StoredBusinessHours | null> {
    const row = await forTenant(this.prisma, tenantId).queueBusinessHours.findFirst({ where: { queueId } });
    return (
      row && {
        queueId: row.queueId,
        schedule: row.schedule as unknown as BusinessHoursSpec,
        revision: row.revision,
        updatedAt: row.updatedAt,
      }
    );
  }

  /** Creates or replaces the queue's schedule (revision + 1). The caller has checked the queue exists. */
  async put(tenantId: string, queueId: string, schedule: BusinessHoursSpec): Promise<StoredBusinessHours> {
    const json = schedule as unknown as Prisma.InputJsonValue;
    const row = await forTenant(this.prisma, tenantId).queueBusinessHours.upsert({
      where: { queueId },
      create: { queueId, tenantId, schedule: json },
      update: { schedule: json, revision: { increment: 1 } },
    });
    return {
      queueId: row.queueId,
      schedule: row.schedule as unknown as BusinessHoursSpec,
      revision: row.revision,
      updatedAt: row.updatedAt,
    };
  }

  /** Removes the queue's schedule; true when there was one. */
  async remove(tenantId: string, queueId: string): Promise<boolean> {
    const r = await forTenant(this.prisma, tenantId).queueBusinessHours.deleteMany({ where: { queueId } });
    return r.count > 0;
  }

  /**
   * Online agents, free capacity, waiting count, recent pickup times and the schedule of one queue, in one
   * statement (index paths: agent_queues(queue_id), work_items(queue_id, status, enqueued_at),
   * work_items_queue_assigned_idx). Null when the queue is not the tenant's.
   */
  async stats(tenantId: string, queueId: string): Promise<QueueStats | null> {
    const rows = await forTenant(this.prisma, tenantId).$queryRaw<StatsRow[]>`
      WITH online AS (
        SELECT count(*)::int AS online,
               COALESCE(sum(GREATEST(a.capacity_chat - a.load_chat, 0)), 0)::int AS free_chat,
               COALESCE(sum(GREATEST(a.capacity_call - a.load_call, 0)), 0)::int AS free_call
          FROM agent_queues aq
          JOIN agents a ON a.tenant_id = aq.tenant_id AND a.id = aq.agent_id
         WHERE aq.queue_id = ${queueId}::uuid AND a.presence = 'online'),
      waiting AS (
        SELECT count(*) FILTER (WHERE type = 'chat')::int AS chat, count(*) FILTER (WHERE type = 'call')::int AS call
          FROM work_items WHERE queue_id = ${queueId}::uuid AND status = 'waiting'),
      recent AS (
        SELECT EXTRACT(EPOCH FROM (assigned_at - enqueued_at)) * 1000 AS ms
          FROM work_items
         WHERE queue_id = ${queueId}::uuid AND assigned_at IS NOT NULL
           AND assigned_at > CURRENT_TIMESTAMP - make_interval(hours => ${WAIT_SAMPLE_WINDOW_HOURS}::int)
           AND assigned_at >= enqueued_at
         ORDER BY assigned_at DESC
         LIMIT ${WAIT_SAMPLE_SIZE}::int)
      SELECT o.online, o.free_chat, o.free_call, w.chat AS waiting_chat, w.call AS waiting_call,
             (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM recent)::float8 AS median_ms,
             (SELECT count(*) FROM recent)::int AS samples,
             bh.schedule, bh.revision, bh.updated_at
        FROM queues q
        CROSS JOIN online o
        CROSS JOIN waiting w
        LEFT JOIN queue_business_hours bh ON bh.queue_id = q.id
       WHERE q.id = ${queueId}::uuid`;
    const r = rows[0];
    if (!r) return null;
    return {
      onlineAgents: r.online,
      freeCapacity: { chat: r.free_chat, call: r.free_call },
      waiting: { chat: r.waiting_chat, call: r.waiting_call },
      medianPickupMs: r.median_ms === null ? null : Math.round(r.median_ms),
      samples: r.samples,
      hours:
        r.schedule && r.revision !== null && r.updated_at
          ? { queueId, schedule: r.schedule, revision: r.revision, updatedAt: r.updated_at }
          : null,
    };
  }

  /**
   * Where a work item stands in its queue: among the queue's `waiting` items of the same type, in the
   * dispatcher's order (priority queues: higher priority first, then oldest enqueued; fifo: oldest first; ties
   * by id). Null when the item is not the tenant's.
   */
  async position(tenantId: string, workItemId: string): Promise<WorkItemPosition | null> {
    const rows = await forTenant(this.prisma, tenantId).$queryRaw<
      Array<{
        id: string;
        queue_id: string | null;
        type: string;
        status: string;
        ahead: number | null;
        waiting: number;
      }>
    >`
      SELECT wi.id, wi.queue_id, wi.type, wi.status,
             CASE WHEN wi.status = 'waiting' THEN (
               SELECT count(*)::int FROM work_items o
                WHERE o.queue_id = wi.queue_id AND o.status = 'waiting' AND o.type = wi.type AND o.id <> wi.id
                  AND CASE WHEN q.priority_handling = 'fifo'
                           THEN (o.enqueued_at, o.id) < (wi.enqueued_at, wi.id)
                           ELSE o.priority > wi.priority
                                OR (o.priority = wi.priority AND (o.enqueued_at, o.id) < (wi.enqueued_at, wi.id)) END)
             END AS ahead,
             (SELECT count(*)::int FROM work_items o
               WHERE o.queue_id = wi.queue_id AND o.status = 'waiting' AND o.type = wi.type) AS waiting
        FROM work_items wi
        LEFT JOIN queues q ON q.id = wi.queue_id
       WHERE wi.id = ${workItemId}::uuid`;
    const r = rows[0];
    if (!r) return null;
    return {
      workItemId: r.id,
      queueId: r.queue_id,
      type: r.type,
      status: r.status,
      position: r.ahead === null ? null : r.ahead + 1,
      waiting: r.waiting,
    };
  }
}
