import { Injectable } from '@nestjs/common';
import {
  preparedQuery,
  type OfferModel,
  type QueueModel,
  type SqlExecutor,
  type WorkItemModel,
} from '@hub/persistence';
import type { AgentCandidate, WaitingItem, WorkItemType } from '../domain/agent-selection';
import type { MissedOfferEffect } from '../domain/missed-offers';

/** `queues` columns under their model names. */
const QUEUE_COLUMNS = `id::text AS id, tenant_id AS "tenantId", name, active, is_default AS "isDefault",
   offer_timeout_seconds AS "offerTimeoutSeconds", priority_handling AS "priorityHandling",
   created_at AS "createdAt", updated_at AS "updatedAt"`;

/** `work_items` columns under their model names (all of WorkItemModel). */
const WORK_ITEM_COLUMNS = `id::text AS id, tenant_id AS "tenantId", handoff_id::text AS "handoffId", conversation_id AS "conversationId",
   integration_id::text AS "integrationId", type, status, priority, queue_id::text AS "queueId", agent_id AS "agentId",
   queue_resolution AS "queueResolution", routing, end_reason AS "endReason", channel, transcript, summary,
   summary_source AS "summarySource", intent, escalation_reason AS "escalationReason", sentiment,
   sentiment_source AS "sentimentSource", attributes, contact, wrap_up_note AS "wrapUpNote",
   wrap_up_disposition AS "wrapUpDisposition", target_agent_id AS "targetAgentId", target_until AS "targetUntil",
   target_strict AS "targetStrict", created_at AS "createdAt", enqueued_at AS "enqueuedAt",
   assigned_at AS "assignedAt", completed_at AS "completedAt", ended_at AS "endedAt", updated_at AS "updatedAt"`;

/**
 * SQL: the non-strict target of work item `item` (a table alias) has waited out `target_until` (database clock),
 * so the item falls back to its queue (targeted routing, docs/routing.md).
 */
const targetWaitOver = (item: string) =>
  `(NOT ${item}.target_strict AND ${item}.target_until <= clock_timestamp())`;

/** SQL: work item `item` may be offered to agent `agent` — no target, targeted at that agent, or its wait is over. */
const targetAdmits = (item: string, agent: string) =>
  `(${item}.target_agent_id IS NULL OR ${item}.target_agent_id = ${agent}.id OR ${targetWaitOver(item)})`;

/** `offers` columns under their model names (all of OfferModel). */
const OFFER_COLUMNS = `id::text AS id, tenant_id AS "tenantId", work_item_id::text AS "workItemId", agent_id AS "agentId",
   queue_id::text AS "queueId", status, event_id::text AS "eventId", created_at AS "createdAt",
   expires_at AS "expiresAt", resolved_at AS "resolvedAt", reason`;

/** `agents` columns of {@link AgentRow}. */
const AGENT_COLUMNS = `a.id, a.display_name AS "displayName", a.presence, a.presence_changed_at AS "presenceChangedAt",
   a.idle_since AS "idleSince", a.auto_accept AS "autoAccept", a.capacity_chat AS "capacityChat",
   a.capacity_call AS "capacityCall", a.load_chat AS "loadChat", a.load_call AS "loadCall"`;

/** Agent columns the routing decisions need. */
export interface AgentSnapshot extends AgentCandidate {
  displayName: string;
  presenceChangedAt: Date;
}

/** A live offer, locked, with `expired` computed against the database clock. */
export interface LockedOffer extends OfferModel {
  expired: boolean;
}

/** A new work item's columns (model names; JSON columns as plain values). */
export type NewWorkItem = Omit<NewWorkItemColumns, 'routing' | 'transcript' | 'attributes' | 'contact'> & {
  routing: unknown;
  transcript: unknown;
  attributes: unknown;
  contact: unknown;
  /** Targeted routing (docs/routing.md): the preferred agent, how long only it is offered the item, strict. */
  target?: TargetRequest | null;
};

/** A work item's preferred agent ({@link RoutingRepository.insertWorkItems}). */
export interface TargetRequest {
  agentId: string;
  /** Wait before the fallback to the queue, ms from the insert (database clock). */
  waitMs: number;
  /** Never fall back. */
  strict: boolean;
}

type NewWorkItemColumns = Pick<
  WorkItemModel,
  | 'id'
  | 'tenantId'
  | 'handoffId'
  | 'conversationId'
  | 'integrationId'
  | 'type'
  | 'status'
  | 'priority'
  | 'queueId'
  | 'queueResolution'
  | 'routing'
  | 'endReason'
  | 'channel'
  | 'transcript'
  | 'summary'
  | 'summarySource'
  | 'intent'
  | 'escalationReason'
  | 'sentiment'
  | 'sentimentSource'
  | 'attributes'
  | 'contact'
>;

/** The columns of a work item {@link RoutingRepository.releaseItem} changes (model names). */
export type ReleasedItemColumns = Pick<
  WorkItemModel,
  'status' | 'endReason' | 'endedAt' | 'completedAt' | 'wrapUpNote' | 'wrapUpDisposition' | 'updatedAt'
>;

/** The agent whose slot a release freed, as its row stands after the release (locked by it). */
export interface FreedAgentState {
  presence: string;
  /** Offers let expire in a row (`agents.missed_offers`), after this release counted / reset it. */
  missedOffers: number;
}

/** What the unlocked pre-read of a work-item state change returns ({@link RoutingRepository.prepareItemChange}). */
export interface ItemPreRead {
  /** false: the command's event id was already processed (duplicate). */
  claimed: boolean;
  /** null when no agent was asked for; else whether the tenant has that agent. */
  agentExists: boolean | null;
  /** The item's queue, status and holder before locking, or null for an unknown item. */
  item: { queueId: string | null; holder: string | null } | null;
  /** Queue ids of the holder and of the extra agents (memberships), unlocked. */
  agentQueueIds: string[];
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
 * PostgreSQL access on the routing hot path: hand-written SQL over node-postgres, inside the caller's
 * transaction (`rt.db`). Concurrency rules — every routing transaction takes its locks in this order,
 * so replicas never deadlock on them:
 *   1. queue rows (sorted by id, one statement): `FOR NO KEY UPDATE` for everything that makes an
 *      agent available or dispatches agents to waiting items, `FOR SHARE` for `create` (in the
 *      statement of its insert) — which prevents lost wake-ups (an agent coming online on replica A
 *      while a work item is created on replica B) while creates run in parallel;
 *   2. work item rows (`FOR UPDATE`), then their offers;
 *   3. agent rows, only through the atomic conditional UPDATEs {@link claimSlot}/{@link releaseSlot}
 *      (the capacity check is in the UPDATE's WHERE, re-evaluated on the latest row version, so two
 *      transactions in different queues can never both take an agent's last slot), the release in
 *      {@link releaseItem} (slot back and run of missed offers counted / ended, in its statement) and
 *      {@link markAwayAfterMissedOffers} (after that release, on the row it has locked already).
 * Accept takes no queue lock (it neither frees nor takes capacity): it locks the work item, then its
 * {@link assignItem} statement ends the accepting agent's run of missed offers (agent row last).
 *
 * Tenant isolation: every statement runs in a transaction of its tenant (`inTenantTransaction`), so
 * PostgreSQL row-level security hides and protects every other tenant's rows (docs/security/tenancy.md).
 * As defense in depth every statement on a tenant-owned table (`work_items`, `offers`, `agents`,
 * `agent_queues`, `queues`, `work_item_transfers`) also filters on `tenant_id`. The system paths go
 * through SECURITY DEFINER functions, documented at each method: the create's existence probe on a work
 * item id (`hub_work_item_owner`: only the owning tenant, to refuse the collision) and the offer-expiry
 * scans (`hub_due_offers`, `hub_next_offer_expiry`; each expiry then runs in the offer's tenant).
 * `processed_events` (inbox) is keyed by consumer and event id and is not tenant-owned.
 */
@Injectable()
export class RoutingRepository {
  /**
   * The first reads of a batch of `create`s (one tenant), in one round trip: claims every event id in the inbox (one multi-row INSERT over `unnest`), looks up
   * the owner of every work item id (`hub_work_item_owner`, any tenant) and loads the tenant's queues.
   * @param args.eventIds    command event ids (may repeat: a repeated id is claimed once)
   * @param args.workItemIds work item ids, same length and order as `eventIds`
   * @returns the claimed event ids, the owning tenant per work item id (same order; null = new), the queues
   */
  async claimAndLoadForCreateBatch(
    db: SqlExecutor,
    args: { consumer: string; eventIds: string[]; workItemIds: string[]; tenantId: string },
  ): Promise<{ claimed: Set<string>; owners: (string | null)[]; queues: QueueModel[] }> {
    const { rows } = await preparedQuery<{
      claimed: string[];
      owners: (string | null)[];
      queues: (Omit<QueueModel, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string })[];
    }>(
      db,
      'wir.claimAndLoadForCreateBatch',
      `WITH c AS (
        INSERT INTO processed_events (consumer, event_id) SELECT $1, e FROM unnest($2::text[]) e
        ON CONFLICT DO NOTHING RETURNING event_id
      )
      SELECT ARRAY(SELECT event_id FROM c) AS claimed,
             ARRAY(SELECT hub_work_item_owner(u.w) FROM unnest($3::uuid[]) WITH ORDINALITY u(w, n) ORDER BY u.n) AS owners,
             COALESCE((SELECT json_agg(json_build_object(
                 'id', id::text, 'tenantId', tenant_id, 'name', name, 'active', active, 'isDefault', is_default,
                 'offerTimeoutSeconds', offer_timeout_seconds, 'priorityHandling', priority_handling,
                 'createdAt', created_at, 'updatedAt', updated_at))
               FROM queues WHERE tenant_id = $4), '[]'::json) AS queues`,
      [args.consumer, args.eventIds, args.workItemIds, args.tenantId],
    );
    const r = rows[0];
    return {
      claimed: new Set(r.claimed),
      owners: r.owners,
      queues: r.queues.map((q) => ({
        ...q,
        createdAt: new Date(q.createdAt),
        updatedAt: new Date(q.updatedAt),
      })),
    };
  }

  /**
   * Inserts new work items of one tenant, in one statement: inserts every item (one
   * multi-row INSERT over the JSON array of rows, `json_populate_record` per element) and takes the
   * queues of the waiting ones `FOR SHARE` (lock step 1, `create`, in id order) in the same statement.
   * The shared locks are held to commit and every later statement of the transaction (candidate search)
   * runs after they were granted, so an agent becoming available (exclusive lock) either committed
   * before — we see it — or runs after — it sees the items. The k-th of n items is enqueued at now() − (n − k) ms, so the queue's FIFO order (enqueued_at, then id) follows
   * the batch order and no item is enqueued after the transaction's own offers (created at now()).
   * @returns the stored items by id, and the locked queues by id
   */
  async insertWorkItems(
    db: SqlExecutor,
    tenantId: string,
    items: (NewWorkItem & { ended: boolean })[],
  ): Promise<{ items: Map<string, WorkItemModel>; queues: Map<string, QueueModel> }> {
    const rowsJson = JSON.stringify(
      items.map((w) => ({
        id: w.id,
        tenant_id: w.tenantId,
        handoff_id: w.handoffId,
        conversation_id: w.conversationId,
        integration_id: w.integrationId,
        type: w.type,
        status: w.status,
        priority: w.priority,
        queue_id: w.queueId,
        queue_resolution: w.queueResolution,
        routing: w.routing ?? null,
        end_reason: w.endReason,
        channel: w.channel,
        transcript: w.transcript ?? null,
        summary: w.summary,
        summary_source: w.summarySource,
        intent: w.intent,
        escalation_reason: w.escalationReason,
        sentiment: w.sentiment,
        sentiment_source: w.sentimentSource,
        attributes: w.attributes ?? null,
        contact: w.contact ?? null,
        target_agent_id: w.target?.agentId ?? null,
        target_strict: w.target?.strict ?? false,
        // not columns: read from the element
        x_ended: w.ended,
        x_target_wait_ms: w.target?.waitMs ?? 0,
      })),
    );
    const queueIds = [...new Set(items.flatMap((w) => (!w.ended && w.queueId ? [w.queueId] : [])))];
    const { rows } = await preparedQuery<{ items: WorkItemModel[] | null; queues: QueueModel[] | null }>(
      db,
      'wir.insertWorkItems',
      `WITH w AS (
        INSERT INTO work_items (id, tenant_id, handoff_id, conversation_id, integration_id, type, status, priority,
          queue_id, queue_resolution, routing, end_reason, channel, transcript, summary, summary_source, intent,
          escalation_reason, sentiment, sentiment_source, attributes, contact, ended_at,
          target_agent_id, target_until, target_strict, enqueued_at)
        SELECT r.id, r.tenant_id, r.handoff_id, r.conversation_id, r.integration_id, r.type, r.status, r.priority,
          r.queue_id, r.queue_resolution, COALESCE(r.routing, '{}'), r.end_reason, r.channel,
          COALESCE(r.transcript, '[]'), r.summary, r.summary_source, r.intent, r.escalation_reason, r.sentiment,
          r.sentiment_source, COALESCE(r.attributes, '{}'), COALESCE(r.contact, '{}'),
          CASE WHEN (e.j->>'x_ended')::boolean THEN now() END,
          r.target_agent_id,
          CASE WHEN r.target_agent_id IS NOT NULL
               THEN clock_timestamp() + make_interval(secs => (e.j->>'x_target_wait_ms')::float8 / 1000) END,
          COALESCE(r.target_strict, false),
          now() - (json_array_length($1::json) - e.n) * interval '1 millisecond'
        FROM json_array_elements($1::json) WITH ORDINALITY AS e(j, n),
             LATERAL json_populate_record(NULL::work_items, e.j) r
        ORDER BY e.n
        RETURNING ${WORK_ITEM_COLUMNS}
      ), q AS (
        SELECT ${QUEUE_COLUMNS} FROM queues WHERE tenant_id = $2 AND id = ANY($3::uuid[]) ORDER BY id FOR SHARE
      )
      SELECT (SELECT json_agg(row_to_json(w)) FROM w) AS items, (SELECT json_agg(row_to_json(q)) FROM q) AS queues`,
      [rowsJson, tenantId, queueIds],
    );
    const r = rows[0];
    return {
      items: new Map((r.items ?? []).map((i) => [i.id, reviveItem(i)])),
      queues: new Map((r.queues ?? []).map((q) => [q.id, reviveQueue(q)])),
    };
  }

  /**
   * Online members of each of `queueIds`, in one statement — the candidates of new work items without a
   * target (no offer of a new item was declined or expired yet, so {@link candidateAgents}' exclusions
   * cannot apply). An agent in several of the queues is one snapshot object shared by those queues.
   * @returns queue id → its online agents
   */
  async queueCandidates(
    db: SqlExecutor,
    tenantId: string,
    queueIds: string[],
  ): Promise<Map<string, AgentSnapshot[]>> {
    const out = new Map<string, AgentSnapshot[]>(queueIds.map((q) => [q, []]));
    if (!queueIds.length) return out;
    const { rows } = await preparedQuery<AgentRow & { queueId: string }>(
      db,
      'wir.queueCandidates',
      `SELECT aq.queue_id::text AS "queueId", ${AGENT_COLUMNS}
      FROM agents a JOIN agent_queues aq ON aq.tenant_id = a.tenant_id AND aq.agent_id = a.id
      WHERE a.tenant_id = $1 AND aq.queue_id = ANY($2::uuid[]) AND a.presence = 'online'`,
      [tenantId, queueIds],
    );
    const byId = new Map<string, AgentSnapshot>();
    for (const r of rows) {
      let a = byId.get(r.id);
      if (!a) byId.set(r.id, (a = toSnapshot(r)));
      out.get(r.queueId)?.push(a);
    }
    return out;
  }

  /**
   * {@link claimSlot} for several agents at once, in one statement: takes `chat`/`call` slots from each
   * listed agent — all of an agent's or none (the capacity check for the whole count sits in the
   * UPDATE's WHERE, re-evaluated on the latest row version) — and marks it routed-to (`idle_since =
   * now()`). Agent rows are locked in id order first (lock step 3).
   * @returns the agents whose slots were taken (absent: not online any more, or not enough free slots)
   */
  async claimSlots(
    db: SqlExecutor,
    tenantId: string,
    claims: { agentId: string; chat: number; call: number }[],
  ): Promise<Map<string, { id: string; displayName: string; autoAccept: boolean }>> {
    if (!claims.length) return new Map();
    const { rows } = await preparedQuery<{ id: string; displayName: string; autoAccept: boolean }>(
      db,
      'wir.claimSlots',
      `WITH x AS (
        SELECT * FROM unnest($2::text[], $3::int[], $4::int[]) AS x(id, chat, call)
      ), l AS (
        SELECT a.id FROM agents a WHERE a.tenant_id = $1 AND a.id = ANY($2::text[]) ORDER BY a.id FOR NO KEY UPDATE
      )
      UPDATE agents a SET load_chat = a.load_chat + x.chat, load_call = a.load_call + x.call,
        idle_since = now(), updated_at = now()
      FROM x
      WHERE a.tenant_id = $1 AND a.id = x.id AND a.id IN (SELECT id FROM l) AND a.presence = 'online'
        AND a.load_chat + x.chat <= a.capacity_chat AND a.load_call + x.call <= a.capacity_call
      RETURNING a.id, a.display_name AS "displayName", a.auto_accept AS "autoAccept"`,
      [tenantId, claims.map((c) => c.agentId), claims.map((c) => c.chat), claims.map((c) => c.call)],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * {@link insertOffer} for many work items of one tenant, in one statement: inserts the live offers
   * (multi-row INSERT over `unnest`; each expires its queue's timeout from now, database clock) and
   * marks the items `offered`.
   * @returns expiry per work item id
   */
  async insertOffers(
    db: SqlExecutor,
    tenantId: string,
    offers: {
      id: string;
      workItemId: string;
      agentId: string;
      queueId: string;
      eventId: string;
      timeoutSeconds: number;
    }[],
  ): Promise<Map<string, Date>> {
    if (!offers.length) return new Map();
    const { rows } = await preparedQuery<{ workItemId: string; expiresAt: Date }>(
      db,
      'wir.insertOffers',
      `WITH o AS (
        INSERT INTO offers (id, tenant_id, work_item_id, agent_id, queue_id, status, event_id, created_at, expires_at)
        SELECT x.id, $1, x.wi, x.agent, x.queue, 'live', x.ev, now(), clock_timestamp() + make_interval(secs => x.t)
        FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::uuid[], $7::int[]) AS x(id, wi, agent, queue, ev, t)
        RETURNING work_item_id, expires_at
      ), w AS (
        UPDATE work_items SET status = 'offered', updated_at = now()
        WHERE tenant_id = $1 AND id = ANY($3::uuid[]) RETURNING id
      )
      SELECT o.work_item_id::text AS "workItemId", o.expires_at AS "expiresAt"
      FROM o WHERE (SELECT count(*) FROM w) = $8::bigint`,
      [
        tenantId,
        offers.map((o) => o.id),
        offers.map((o) => o.workItemId),
        offers.map((o) => o.agentId),
        offers.map((o) => o.queueId),
        offers.map((o) => o.eventId),
        offers.map((o) => o.timeoutSeconds),
        offers.length,
      ],
    );
    if (rows.length !== offers.length) throw new Error('work items vanished while offering them');
    return new Map(rows.map((r) => [r.workItemId, r.expiresAt]));
  }

  /** The tenant's queue, unlocked; null if unknown (or another tenant's). */
  async findQueue(db: SqlExecutor, tenantId: string, id: string): Promise<QueueModel | null> {
    const { rows } = await preparedQuery<QueueModel>(
      db,
      'wir.findQueue',
      `SELECT ${QUEUE_COLUMNS} FROM queues WHERE tenant_id = $1 AND id = $2::uuid`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /**
   * Locks the given queues of the tenant in id order, in one statement (lock step 1), `FOR NO KEY
   * UPDATE` (exclusive among routing transactions): for transactions that free capacity or dispatch
   * agents to waiting items. `create` takes its queue `FOR SHARE` instead ({@link insertWorkItems}):
   * creates run in parallel with each other but never overlap an exclusive holder, so an agent
   * becoming available and a new item can never miss each other.
   * @returns the locked queues by id (unknown ids / other tenants' ids are absent)
   */
  async lockQueues(
    db: SqlExecutor,
    tenantId: string,
    ids: Iterable<string | null | undefined>,
  ): Promise<Map<string, QueueModel>> {
    const uniq = [...new Set([...ids].filter((x): x is string => !!x))];
    if (!uniq.length) return new Map();
    const { rows } = await preparedQuery<QueueModel>(
      db,
      'wir.lockQueues',
      `SELECT ${QUEUE_COLUMNS} FROM queues WHERE tenant_id = $1 AND id = ANY($2::uuid[])
       ORDER BY id FOR NO KEY UPDATE`,
      [tenantId, uniq],
    );
    return new Map(rows.map((q) => [q.id, q]));
  }

  /** Ids of the queues the agent is a member of. */
  async agentQueueIds(db: SqlExecutor, tenantId: string, agentId: string): Promise<string[]> {
    const { rows } = await preparedQuery<{ id: string }>(
      db,
      'wir.agentQueueIds',
      'SELECT queue_id::text AS id FROM agent_queues WHERE tenant_id = $1 AND agent_id = $2',
      [tenantId, agentId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Inbox claim plus the unlocked reads a work-item state change needs before taking its locks, in one
   * round trip: claims `eventId` (when given), checks that `agentId` (when given) is the tenant's, reads
   * the item's queue and holder (assigned agent, else the agent of its live offer) and the queue ids of
   * the holder and of `extraAgentIds`.
   */
  async prepareItemChange(
    db: SqlExecutor,
    args: {
      consumer: string;
      eventId: string | null;
      tenantId: string;
      workItemId: string;
      agentId: string | null;
      extraAgentIds: string[];
    },
  ): Promise<ItemPreRead> {
    const { rows } = await preparedQuery<{
      claimed: boolean;
      agentExists: boolean | null;
      found: boolean;
      queueId: string | null;
      holder: string | null;
      agentQueueIds: string[];
    }>(
      db,
      'wir.prepareItemChange',
      `WITH c AS (
        INSERT INTO processed_events (consumer, event_id) SELECT $1::text, $2::text WHERE $2::text IS NOT NULL
        ON CONFLICT DO NOTHING RETURNING 1
      ), i AS (
        SELECT wi.queue_id, CASE
                 WHEN wi.status = 'assigned' THEN wi.agent_id
                 WHEN wi.status = 'offered' THEN
                   (SELECT o.agent_id FROM offers o
                    WHERE o.tenant_id = wi.tenant_id AND o.work_item_id = wi.id AND o.status = 'live')
               END AS holder
        FROM work_items wi WHERE wi.tenant_id = $3 AND wi.id = $4::uuid
      )
      SELECT ($2::text IS NULL OR EXISTS (SELECT 1 FROM c)) AS claimed,
             CASE WHEN $5::text IS NULL THEN NULL
                  ELSE EXISTS (SELECT 1 FROM agents WHERE tenant_id = $3 AND id = $5) END AS "agentExists",
             EXISTS (SELECT 1 FROM i) AS found,
             (SELECT queue_id::text FROM i) AS "queueId",
             (SELECT holder FROM i) AS holder,
             ARRAY(SELECT DISTINCT aq.queue_id::text FROM agent_queues aq
                   WHERE aq.tenant_id = $3
                     AND (aq.agent_id = ANY($6::text[]) OR aq.agent_id = (SELECT holder FROM i))) AS "agentQueueIds"`,
      [args.consumer, args.eventId, args.tenantId, args.workItemId, args.agentId, args.extraAgentIds],
    );
    const r = rows[0];
    return {
      claimed: r.claimed,
      agentExists: r.agentExists,
      item: r.found ? { queueId: r.queueId, holder: r.holder } : null,
      agentQueueIds: r.agentQueueIds,
    };
  }

  /**
   * The first statement of `accept`: claims `eventId` in the inbox, checks that the tenant has the agent,
   * and locks and reads the tenant's work item (lock step 2 — accept takes no queue lock), in one round
   * trip. The item is locked in a LATERAL sub-select, so the row comes back (null for an unknown item)
   * whatever the claim's outcome.
   */
  async claimAgentAndLockItem(
    db: SqlExecutor,
    args: { consumer: string; eventId: string; tenantId: string; agentId: string; workItemId: string },
  ): Promise<{ claimed: boolean; agentExists: boolean; item: WorkItemModel | null }> {
    const { rows } = await preparedQuery<{
      claimed: boolean;
      agentExists: boolean;
      item: WorkItemModel | null;
    }>(
      db,
      'wir.claimAgentAndLockItem',
      `WITH c AS (
        INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM c) AS claimed,
             EXISTS (SELECT 1 FROM agents WHERE tenant_id = $3 AND id = $4) AS "agentExists",
             row_to_json(w) AS item
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (
        SELECT ${WORK_ITEM_COLUMNS} FROM work_items WHERE tenant_id = $3 AND id = $5::uuid FOR UPDATE
      ) w ON true`,
      [args.consumer, args.eventId, args.tenantId, args.agentId, args.workItemId],
    );
    const r = rows[0];
    return { claimed: r.claimed, agentExists: r.agentExists, item: r.item && reviveItem(r.item) };
  }

  /**
   * Inbox claim (when `eventId` is given) and whether the tenant has the agent, in one round trip.
   */
  async claimAndFindAgent(
    db: SqlExecutor,
    args: { consumer: string; eventId: string; tenantId: string; agentId: string },
  ): Promise<{ claimed: boolean; agentExists: boolean }> {
    const { rows } = await preparedQuery<{ claimed: boolean; agentExists: boolean }>(
      db,
      'wir.claimAndFindAgent',
      `WITH c AS (
        INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM c) AS claimed,
             EXISTS (SELECT 1 FROM agents WHERE tenant_id = $3 AND id = $4) AS "agentExists"`,
      [args.consumer, args.eventId, args.tenantId, args.agentId],
    );
    return rows[0];
  }

  /** Whether the tenant has this agent (no lock). */
  async agentExists(db: SqlExecutor, tenantId: string, id: string): Promise<boolean> {
    const { rowCount } = await preparedQuery(
      db,
      'wir.agentExists',
      'SELECT 1 FROM agents WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    return rowCount === 1;
  }

  /** Locks the agent row (presence changes). */
  async lockAgent(db: SqlExecutor, tenantId: string, id: string): Promise<AgentSnapshot | null> {
    const { rows } = await preparedQuery<AgentRow>(
      db,
      'wir.lockAgent',
      `SELECT ${AGENT_COLUMNS} FROM agents a WHERE a.tenant_id = $1 AND a.id = $2 FOR UPDATE`,
      [tenantId, id],
    );
    return rows[0] ? toSnapshot(rows[0]) : null;
  }

  /**
   * The agent's current snapshot (no lock) and, if it is online with a free slot, the waiting work
   * items it could take now, in one round trip: in the given (locked) queues the agent belongs to, of
   * a type it has a free slot for, not excluded by its own earlier decline/expiry, not targeted at
   * another agent while that target is active. Pre-ordered by the
   * waiting order and bounded (`limit`); the domain's `nextItemForAgent` makes the pick.
   * @returns agent null for an unknown agent
   */
  async agentAndWaitingItems(
    db: SqlExecutor,
    args: { tenantId: string; agentId: string; queueIds: string[]; excludeItemIds: string[]; limit?: number },
  ): Promise<{ agent: AgentSnapshot | null; items: WaitingItem[] }> {
    const { rows } = await preparedQuery<
      AgentRow & { items: (Omit<WaitingItem, 'enqueuedAt'> & { enqueuedAt: string })[] }
    >(
      db,
      'wir.agentAndWaitingItems',
      `SELECT ${AGENT_COLUMNS}, COALESCE((
         SELECT json_agg(x) FROM (
           SELECT wi.id::text AS id, wi.type, wi.priority, wi.enqueued_at AS "enqueuedAt",
                  q.priority_handling AS "priorityHandling"
           FROM work_items wi
           JOIN queues q ON q.tenant_id = wi.tenant_id AND q.id = wi.queue_id
           JOIN agent_queues aq ON aq.queue_id = wi.queue_id AND aq.tenant_id = wi.tenant_id AND aq.agent_id = a.id
           WHERE a.presence = 'online' AND wi.tenant_id = $1 AND wi.status = 'waiting'
             AND wi.queue_id = ANY($3::uuid[])
             AND ((wi.type = 'chat' AND a.load_chat < a.capacity_chat) OR (wi.type = 'call' AND a.load_call < a.capacity_call))
             AND NOT (wi.id = ANY($4::uuid[]))
             AND ${targetAdmits('wi', 'a')}
             AND NOT EXISTS (
               SELECT 1 FROM offers o
               WHERE o.tenant_id = wi.tenant_id AND o.work_item_id = wi.id AND o.agent_id = a.id
                 AND o.status IN ('declined', 'expired')
                 AND o.created_at >= wi.enqueued_at AND o.created_at >= a.presence_changed_at)
           ORDER BY CASE WHEN q.priority_handling = 'fifo' THEN 0 ELSE wi.priority END DESC, wi.enqueued_at, wi.id
           LIMIT $5) x), '[]'::json) AS items
       FROM agents a WHERE a.tenant_id = $1 AND a.id = $2`,
      [args.tenantId, args.agentId, args.queueIds, args.excludeItemIds, args.limit ?? 25],
    );
    const r = rows[0];
    if (!r) return { agent: null, items: [] };
    return {
      agent: toSnapshot(r),
      items: r.items.map((i) => ({ ...i, enqueuedAt: new Date(i.enqueuedAt) })),
    };
  }

  /** Locks and returns the tenant's work item (lock step 2). */
  async lockItem(db: SqlExecutor, tenantId: string, id: string): Promise<WorkItemModel | null> {
    const { rows } = await preparedQuery<WorkItemModel>(
      db,
      'wir.lockItem',
      `SELECT ${WORK_ITEM_COLUMNS} FROM work_items WHERE tenant_id = $1 AND id = $2::uuid FOR UPDATE`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /** Locks and returns the live offer of the tenant's (locked) work item, if any. */
  async lockLiveOffer(db: SqlExecutor, tenantId: string, workItemId: string): Promise<LockedOffer | null> {
    const { rows } = await preparedQuery<LockedOffer>(
      db,
      'wir.lockLiveOffer',
      `SELECT ${OFFER_COLUMNS}, (expires_at <= clock_timestamp()) AS expired
       FROM offers WHERE tenant_id = $1 AND work_item_id = $2::uuid AND status = 'live' FOR UPDATE`,
      [tenantId, workItemId],
    );
    return rows[0] ?? null;
  }

  /**
   * The offer with this id (no lock), for the expiry scheduler, read in the offer's tenant (the scan
   * `hub_due_offers` returned it); the expiry itself then runs as a transaction of that tenant.
   */
  async findOffer(db: SqlExecutor, id: string): Promise<OfferModel | null> {
    const { rows } = await preparedQuery<OfferModel>(
      db,
      'wir.findOffer',
      `SELECT ${OFFER_COLUMNS} FROM offers WHERE id = $1::uuid`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * Online members of `queueId`, minus agents who declined or let expire an offer of this work item
   * since it entered its current queue (and since their own last presence change). While the item's
   * target is active (a `target_agent_id`, strict or before `target_until` on the database clock) only
   * that agent is a candidate (targeted routing, docs/routing.md).
   */
  async candidateAgents(
    db: SqlExecutor,
    tenantId: string,
    queueId: string,
    workItemId: string,
  ): Promise<AgentSnapshot[]> {
    const { rows } = await preparedQuery<AgentRow>(
      db,
      'wir.candidateAgents',
      `SELECT ${AGENT_COLUMNS}
      FROM agents a
      JOIN agent_queues aq ON aq.tenant_id = a.tenant_id AND aq.agent_id = a.id
      JOIN work_items t ON t.tenant_id = a.tenant_id AND t.id = $3::uuid
      WHERE a.tenant_id = $1 AND aq.queue_id = $2::uuid AND a.presence = 'online'
        AND ${targetAdmits('t', 'a')}
        AND NOT EXISTS (
          SELECT 1 FROM offers o JOIN work_items wi ON wi.tenant_id = o.tenant_id AND wi.id = o.work_item_id
          WHERE o.tenant_id = $1 AND o.work_item_id = $3::uuid AND o.agent_id = a.id
            AND o.status IN ('declined', 'expired')
            AND o.created_at >= wi.enqueued_at AND o.created_at >= a.presence_changed_at)`,
      [tenantId, queueId, workItemId],
    );
    return rows.map(toSnapshot);
  }

  /**
   * Atomically takes one slot of `type` from an online agent with free capacity and marks it
   * routed-to (`idle_since = now()`). The capacity check sits in the UPDATE's WHERE, so concurrent
   * claims on the same agent serialise on its row and re-check against the latest load.
   * @returns the agent's display name and auto-accept flag, or null if it is not online / full
   */
  async claimSlot(
    db: SqlExecutor,
    tenantId: string,
    agentId: string,
    type: WorkItemType,
  ): Promise<{ id: string; displayName: string; autoAccept: boolean } | null> {
    const { rows } = await preparedQuery<{ id: string; displayName: string; autoAccept: boolean }>(
      db,
      'wir.claimSlot',
      `UPDATE agents SET
        load_chat = load_chat + CASE WHEN $3 = 'chat' THEN 1 ELSE 0 END,
        load_call = load_call + CASE WHEN $3 = 'call' THEN 1 ELSE 0 END,
        idle_since = now(), updated_at = now()
      WHERE tenant_id = $1 AND id = $2 AND presence = 'online'
        AND CASE WHEN $3 = 'chat' THEN load_chat < capacity_chat ELSE load_call < capacity_call END
      RETURNING id, display_name AS "displayName", auto_accept AS "autoAccept"`,
      [tenantId, agentId, type],
    );
    return rows[0] ?? null;
  }

  /** Gives one slot of `type` back (never below zero). */
  async releaseSlot(db: SqlExecutor, tenantId: string, agentId: string, type: string): Promise<void> {
    await preparedQuery(
      db,
      'wir.releaseSlot',
      `UPDATE agents SET
        load_chat = GREATEST(load_chat - CASE WHEN $3 = 'chat' THEN 1 ELSE 0 END, 0),
        load_call = GREATEST(load_call - CASE WHEN $3 = 'call' THEN 1 ELSE 0 END, 0),
        updated_at = now()
      WHERE tenant_id = $1 AND id = $2`,
      [tenantId, agentId, type],
    );
  }

  /**
   * The writes of an item leaving its holder, in one statement (the item and its offer are locked
   * already; the agent row is updated last, as in lock step 3): resolves the live offer `offerId`
   * (when given) with `offerStatus`/`offerReason`, gives one slot of the item's type back to
   * `freeAgentId` (when given; never below zero) and applies `missed` to its run of missed offers
   * (`count`: +1, on the latest row version, so concurrent expiries never lose a miss; `reset`: 0;
   * `keep`), and sets the item's `status` — `completed` also sets `completed_at` and the wrap-up,
   * `withdrawn` sets `end_reason` and `ended_at`.
   * @returns the changed columns of the item (model names), and the freed agent's presence and run of
   *          missed offers after the update (null when no agent was freed)
   */
  async releaseItem(
    db: SqlExecutor,
    a: {
      tenantId: string;
      workItemId: string;
      type: string;
      offerId: string | null;
      offerStatus: 'declined' | 'expired' | 'revoked' | null;
      offerReason: string | null;
      freeAgentId: string | null;
      /** How the release changes the freed agent's run of missed offers. */
      missed: MissedOfferEffect;
      status: 'waiting' | 'completed' | 'withdrawn';
      endReason?: string | null;
      wrapUpNote?: string | null;
      wrapUpDisposition?: string | null;
    },
  ): Promise<ReleasedItemColumns & { freedAgent: FreedAgentState | null }> {
    const { rows } = await preparedQuery<
      ReleasedItemColumns & { freedPresence: string | null; freedMissedOffers: number | null }
    >(
      db,
      'wir.releaseItem',
      `WITH o AS (
        UPDATE offers SET status = $4, resolved_at = clock_timestamp(), reason = $5
        WHERE $3::uuid IS NOT NULL AND tenant_id = $1 AND id = $3::uuid RETURNING 1
      ), w AS (
        UPDATE work_items SET status = $7,
          completed_at = CASE WHEN $7 = 'completed' THEN now() ELSE completed_at END,
          wrap_up_note = CASE WHEN $7 = 'completed' THEN $9 ELSE wrap_up_note END,
          wrap_up_disposition = CASE WHEN $7 = 'completed' THEN $10 ELSE wrap_up_disposition END,
          end_reason = CASE WHEN $7 = 'withdrawn' THEN $8 ELSE end_reason END,
          ended_at = CASE WHEN $7 = 'withdrawn' THEN now() ELSE ended_at END,
          updated_at = now()
        WHERE tenant_id = $1 AND id = $2::uuid
        RETURNING status, end_reason AS "endReason", ended_at AS "endedAt", completed_at AS "completedAt",
                  wrap_up_note AS "wrapUpNote", wrap_up_disposition AS "wrapUpDisposition", updated_at AS "updatedAt"
      ), a AS (
        UPDATE agents SET
          load_chat = GREATEST(load_chat - CASE WHEN $11 = 'chat' THEN 1 ELSE 0 END, 0),
          load_call = GREATEST(load_call - CASE WHEN $11 = 'call' THEN 1 ELSE 0 END, 0),
          missed_offers = CASE $12::text WHEN 'count' THEN missed_offers + 1 WHEN 'reset' THEN 0 ELSE missed_offers END,
          updated_at = now()
        WHERE $6::text IS NOT NULL AND tenant_id = $1 AND id = $6
        RETURNING presence, missed_offers
      )
      SELECT w.*, a.presence AS "freedPresence", a.missed_offers AS "freedMissedOffers"
      FROM w LEFT JOIN a ON true`,
      [
        a.tenantId,
        a.workItemId,
        a.offerId,
        a.offerStatus,
        a.offerReason,
        a.freeAgentId,
        a.status,
        a.endReason ?? null,
        a.wrapUpNote ?? null,
        a.wrapUpDisposition ?? null,
        a.type,
        a.missed,
      ],
    );
    if (rows.length !== 1) throw new Error(`work item ${a.workItemId} vanished while releasing it`);
    const { freedPresence, freedMissedOffers, ...cols } = rows[0];
    return {
      ...cols,
      freedAgent:
        freedPresence === null || freedMissedOffers === null
          ? null
          : { presence: freedPresence, missedOffers: freedMissedOffers },
    };
  }

  /**
   * Inserts a live offer expiring `timeoutSeconds` from now (database clock) and marks the work item
   * `offered`, in one statement.
   * @returns the offer's creation and expiry instants
   */
  async insertOffer(
    db: SqlExecutor,
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
    const { rows } = await preparedQuery<{ createdAt: Date; expiresAt: Date }>(
      db,
      'wir.insertOffer',
      `WITH o AS (
        INSERT INTO offers (id, tenant_id, work_item_id, agent_id, queue_id, status, event_id, created_at, expires_at)
        VALUES ($1::uuid, $2, $3::uuid, $4, $5::uuid, 'live', $6::uuid, now(),
                clock_timestamp() + make_interval(secs => $7::int))
        RETURNING created_at, expires_at
      ), w AS (
        UPDATE work_items SET status = 'offered', updated_at = now() WHERE tenant_id = $2 AND id = $3::uuid RETURNING id
      )
      SELECT o.created_at AS "createdAt", o.expires_at AS "expiresAt" FROM o, w`,
      [o.id, o.tenantId, o.workItemId, o.agentId, o.queueId, o.eventId, o.timeoutSeconds],
    );
    if (rows.length !== 1) throw new Error(`work item ${o.workItemId} vanished while offering it`);
    return rows[0];
  }

  /** Closes the tenant's offer `id` (accepted | declined | expired | revoked). */
  async resolveOffer(
    db: SqlExecutor,
    tenantId: string,
    id: string,
    status: 'accepted' | 'declined' | 'expired' | 'revoked',
    reason?: string | null,
  ): Promise<void> {
    await preparedQuery(
      db,
      'wir.resolveOffer',
      'UPDATE offers SET status = $2, resolved_at = clock_timestamp(), reason = $3 WHERE tenant_id = $4 AND id = $1::uuid',
      [id, status, reason ?? null, tenantId],
    );
  }

  /**
   * Assigns a (locked) work item to `agentId`, closing its accepted offer (when given) in the same
   * statement. An accepted offer also ends the agent's run of missed offers (`missed_offers` = 0; the
   * agent row is updated — last, as in lock step 3 — only when its run is not 0 already).
   * @returns the assignment instant and the name of the item's queue (null without queue)
   */
  async assignItem(
    db: SqlExecutor,
    a: { tenantId: string; workItemId: string; agentId: string; acceptedOfferId: string | null },
  ): Promise<{ assignedAt: Date; updatedAt: Date; queueName: string | null }> {
    const { rows } = await preparedQuery<{ assignedAt: Date; updatedAt: Date; queueName: string | null }>(
      db,
      'wir.assignItem',
      `WITH o AS (
        UPDATE offers SET status = 'accepted', resolved_at = clock_timestamp(), reason = NULL
        WHERE $3::uuid IS NOT NULL AND tenant_id = $4 AND id = $3::uuid RETURNING 1
      ), w AS (
        UPDATE work_items SET status = 'assigned', agent_id = $2, assigned_at = now(), updated_at = now()
        WHERE tenant_id = $4 AND id = $1::uuid RETURNING assigned_at, updated_at, queue_id
      ), a AS (
        UPDATE agents SET missed_offers = 0, updated_at = now()
        WHERE $3::uuid IS NOT NULL AND tenant_id = $4 AND id = $2 AND missed_offers <> 0 RETURNING 1
      )
      SELECT w.assigned_at AS "assignedAt", w.updated_at AS "updatedAt",
             (SELECT q.name FROM queues q WHERE q.tenant_id = $4 AND q.id = w.queue_id) AS "queueName"
      FROM w`,
      [a.workItemId, a.agentId, a.acceptedOfferId, a.tenantId],
    );
    if (rows.length !== 1) throw new Error(`work item ${a.workItemId} vanished while assigning it`);
    return rows[0];
  }

  /** Records a transfer in the item's history (`work_item_transfers`). */
  async insertTransfer(
    db: SqlExecutor,
    t: {
      id: string;
      tenantId: string;
      workItemId: string;
      fromQueueId: string | null;
      toQueueId: string;
      byAgentId: string;
      fromAgentId: string | null;
      reason: string | null;
    },
  ): Promise<void> {
    await preparedQuery(
      db,
      'wir.insertTransfer',
      `INSERT INTO work_item_transfers (id, tenant_id, work_item_id, from_queue_id, to_queue_id, by_agent_id, from_agent_id, reason)
       VALUES ($1::uuid, $2, $3::uuid, $4::uuid, $5::uuid, $6, $7, $8)`,
      [t.id, t.tenantId, t.workItemId, t.fromQueueId, t.toQueueId, t.byAgentId, t.fromAgentId, t.reason],
    );
  }

  /**
   * Moves a work item to waiting in `queueId` (transfer): clears the agent and any target, `enqueued_at` = now()
   * (database clock, like every timestamp the exclusion rules compare).
   */
  async moveToQueue(db: SqlExecutor, tenantId: string, id: string, queueId: string): Promise<WorkItemModel> {
    const { rows } = await preparedQuery<WorkItemModel>(
      db,
      'wir.moveToQueue',
      `UPDATE work_items SET status = 'waiting', queue_id = $2::uuid, agent_id = NULL, assigned_at = NULL,
             target_agent_id = NULL, enqueued_at = now(), updated_at = now()
       WHERE tenant_id = $3 AND id = $1::uuid RETURNING ${WORK_ITEM_COLUMNS}`,
      [id, queueId, tenantId],
    );
    if (rows.length !== 1) throw new Error(`work item ${id} vanished while moving it`);
    return rows[0];
  }

  /**
   * Sets an agent's presence; `presence_changed_at` = now(), the run of missed offers ends
   * (`missed_offers` = 0), and coming online resets `idle_since`.
   */
  async setPresence(db: SqlExecutor, tenantId: string, agentId: string, presence: string): Promise<void> {
    await preparedQuery(
      db,
      'wir.setPresence',
      `UPDATE agents SET presence = $3, presence_changed_at = now(), missed_offers = 0, updated_at = now(),
             idle_since = CASE WHEN $3 = 'online' THEN now() ELSE idle_since END
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, agentId, presence],
    );
  }

  /**
   * Sets an `online` agent `away` because it let too many offers expire in a row ("not responding"):
   * `presence_changed_at` = now(), the run of missed offers ends (`missed_offers` = 0). Runs after
   * {@link releaseItem} in the same transaction, which has locked the agent row already; the
   * `presence = 'online'` condition sits in the WHERE all the same.
   * @returns false when the agent was not online (nothing changed)
   */
  async markAwayAfterMissedOffers(db: SqlExecutor, tenantId: string, agentId: string): Promise<boolean> {
    const { rowCount } = await preparedQuery(
      db,
      'wir.markAwayAfterMissedOffers',
      `UPDATE agents SET presence = 'away', presence_changed_at = now(), missed_offers = 0, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND presence = 'online'`,
      [tenantId, agentId],
    );
    return rowCount === 1;
  }

  /**
   * Updates an agent's settings (admin; the row is locked by the caller) and, when `queueIds` is given,
   * replaces its queue memberships.
   */
  async updateAgent(
    db: SqlExecutor,
    tenantId: string,
    agentId: string,
    set: { displayName?: string; autoAccept?: boolean; capacityChat?: number; capacityCall?: number },
    queueIds?: string[],
  ): Promise<void> {
    await preparedQuery(
      db,
      'wir.updateAgent',
      `UPDATE agents SET display_name = COALESCE($3, display_name), auto_accept = COALESCE($4, auto_accept),
             capacity_chat = COALESCE($5, capacity_chat), capacity_call = COALESCE($6, capacity_call),
             updated_at = now()
       WHERE tenant_id = $1 AND id = $2`,
      [
        tenantId,
        agentId,
        set.displayName ?? null,
        set.autoAccept ?? null,
        set.capacityChat ?? null,
        set.capacityCall ?? null,
      ],
    );
    if (queueIds) {
      await preparedQuery(
        db,
        'wir.updateAgent2',
        'DELETE FROM agent_queues WHERE tenant_id = $1 AND agent_id = $2',
        [tenantId, agentId],
      );
      await preparedQuery(
        db,
        'wir.updateAgent3',
        `INSERT INTO agent_queues (tenant_id, agent_id, queue_id)
         SELECT $1, $2, q FROM unnest($3::uuid[]) q ON CONFLICT DO NOTHING`,
        [tenantId, agentId, [...new Set(queueIds)]],
      );
    }
  }

  /**
   * Ends the targeting of a (locked) work item: `target_agent_id` = NULL, so it is offered to the whole
   * queue from now on. With `onlyIfDue`, only a non-strict target whose wait ran out (database clock).
   * @returns whether the target was cleared
   */
  async clearTarget(db: SqlExecutor, tenantId: string, id: string, onlyIfDue: boolean): Promise<boolean> {
    const { rowCount } = await preparedQuery(
      db,
      'wir.clearTarget',
      `UPDATE work_items SET target_agent_id = NULL, updated_at = now()
       WHERE tenant_id = $1 AND id = $2::uuid AND target_agent_id IS NOT NULL
         AND (NOT $3::boolean OR ${targetWaitOver('work_items')})`,
      [tenantId, id, onlyIfDue],
    );
    return rowCount === 1;
  }

  /**
   * Tenant and id of waiting work items whose non-strict target wait ran out, oldest first — a system
   * scan over all tenants through the SECURITY DEFINER function `hub_due_target_fallbacks`; each
   * fallback then runs in its item's tenant.
   */
  async dueTargetFallbacks(db: SqlExecutor, limit: number): Promise<{ tenantId: string; id: string }[]> {
    const { rows } = await preparedQuery<{ tenantId: string; id: string }>(
      db,
      'wir.dueTargetFallbacks',
      `SELECT tenant_id AS "tenantId", id::text AS id FROM hub_due_target_fallbacks($1)`,
      [limit],
    );
    return rows;
  }

  /** Earliest pending target fallback (any tenant, SECURITY DEFINER `hub_next_target_fallback`), or null. */
  async nextTargetFallback(db: SqlExecutor): Promise<Date | null> {
    const { rows } = await preparedQuery<{ at: Date | null }>(
      db,
      'wir.nextTargetFallback',
      'SELECT hub_next_target_fallback() AS at',
    );
    return rows[0]?.at ?? null;
  }

  /**
   * Tenant and id of live offers that are due, oldest first — a system scan over all tenants through
   * the SECURITY DEFINER function `hub_due_offers` (docs/security/tenancy.md "System paths"); each
   * expiry then runs in its offer's tenant.
   */
  async dueOfferIds(db: SqlExecutor, limit: number): Promise<{ tenantId: string; id: string }[]> {
    const { rows } = await preparedQuery<{ tenantId: string; id: string }>(
      db,
      'wir.dueOfferIds',
      `SELECT tenant_id AS "tenantId", id::text AS id FROM hub_due_offers($1)`,
      [limit],
    );
    return rows;
  }

  /** Earliest expiry among live offers (any tenant, SECURITY DEFINER `hub_next_offer_expiry`), or null. */
  async nextExpiry(db: SqlExecutor): Promise<Date | null> {
    const { rows } = await preparedQuery<{ at: Date | null }>(
      db,
      'wir.nextExpiry',
      'SELECT hub_next_offer_expiry() AS at',
    );
    return rows[0]?.at ?? null;
  }
}

/** A work item read through `row_to_json` (timestamps as strings) as the model. */
function reviveItem(r: WorkItemModel): WorkItemModel {
  const d = (v: Date | string | null) => (v == null ? null : new Date(v));
  return {
    ...r,
    createdAt: new Date(r.createdAt),
    enqueuedAt: new Date(r.enqueuedAt),
    updatedAt: new Date(r.updatedAt),
    assignedAt: d(r.assignedAt),
    completedAt: d(r.completedAt),
    endedAt: d(r.endedAt),
    targetUntil: d(r.targetUntil),
  };
}

/** A queue read through `row_to_json` as the model. */
function reviveQueue(q: QueueModel): QueueModel {
  return { ...q, createdAt: new Date(q.createdAt), updatedAt: new Date(q.updatedAt) };
}
