import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  CrossTenantError,
  forTenant,
  inPgTransaction,
  inTenantTransaction,
  Prisma,
  PG_POOL,
  preparedQuery,
  PRISMA,
  type HandoffModel as Handoff,
  type HandoffTransitionModel as HandoffTransition,
  outboxRowsJson,
  OUTBOX_INSERT_SQL,
  type OutboxMessage,
  type PrismaClient,
  setTransactionTenant,
  type SqlExecutor,
} from '@hub/persistence';
import { TIMED_STATES, type HandoffState } from '../domain/handoff-state-machine';

/** Consumer name for inbox dedupe of work item events. */
export const INBOX_CONSUMER = 'handoff-orchestrator';

/**
 * Data-modifying CTEs `t`, `o`, `c` writing a state change's audit row, outbox rows and callback
 * deliveries from JSON parameters (snake_case columns): `$<first>` the transition (object),
 * `$<first+1>` the outbox rows ({@link outboxRowsJson}), `$<first+2>` the callback rows (arrays). Each
 * joins the CTE `src`, so nothing is written when `src` returned no row.
 */
function sideEffectCtes(src: string, first: number): string {
  return `t AS (
  INSERT INTO handoff_transitions (id, tenant_id, handoff_id, from_status, to_status, reason, detail, event_id)
  SELECT r.id, r.tenant_id, r.handoff_id, r.from_status, r.to_status, r.reason, r.detail, r.event_id
  FROM json_populate_record(NULL::handoff_transitions, $${first}::json) r, ${src}
), o AS (
  INSERT INTO outbox_events (id, tenant_id, destination, target, key, payload, headers)
  SELECT r.id, r.tenant_id, r.destination, r.target, r.key, r.payload, COALESCE(r.headers, '{}')
  FROM json_populate_recordset(NULL::outbox_events, $${first + 1}::json) r, ${src}
), c AS (
  INSERT INTO callback_deliveries (id, tenant_id, handoff_id, event_id, url, payload)
  SELECT r.id, r.tenant_id, r.handoff_id, r.event_id, r.url, r.payload
  FROM json_populate_recordset(NULL::callback_deliveries, $${first + 2}::json) r, ${src}
)`;
}

/**
 * One statement writing a new handoff with its audit row, outbox rows and callback deliveries
 * ($1 handoff: JSON object with snake_case columns; $2…$4 see {@link sideEffectCtes}). A single
 * statement is atomic; the outbox trigger's NOTIFY fires on its commit.
 */
const INSERT_HANDOFF_SQL = `
WITH h AS (
  INSERT INTO handoffs SELECT * FROM json_populate_record(NULL::handoffs, $1::json) RETURNING id
), ${sideEffectCtes('h', 2)}
SELECT 1`;

/** The callback delivery of side effects (if any) as `callback_deliveries` rows. */
function callbackRowsOf(h: Pick<Handoff, 'id' | 'tenantId'>, e: SideEffects): Record<string, unknown>[] {
  return e.callback
    ? [
        {
          id: randomUUID(),
          tenant_id: h.tenantId,
          handoff_id: h.id,
          event_id: e.callback.eventId,
          url: e.callback.url,
          payload: e.callback.payload,
        },
      ]
    : [];
}

/** `handoffs` columns under their model names (all of HandoffModel). */
const HANDOFF_COLUMNS = `id::text AS id, tenant_id AS "tenantId", integration_id::text AS "integrationId",
   idempotency_key AS "idempotencyKey", request_hash AS "requestHash", intake, bot_session_id AS "botSessionId",
   conversation_id AS "conversationId", channel, routing, transcript, intent, escalation_reason AS "escalationReason",
   attributes, contact, priority, summary, summary_source AS "summarySource", sentiment,
   sentiment_source AS "sentimentSource", status, reason, detail, work_item_id::text AS "workItemId",
   queue_id::text AS "queueId", agent_id AS "agentId", callback_url AS "callbackUrl",
   timeout_seconds AS "timeoutSeconds", timeout_at AS "timeoutAt", withdraw_requested_at AS "withdrawRequestedAt",
   created_at AS "createdAt", updated_at AS "updatedAt", routed_at AS "routedAt", offered_at AS "offeredAt",
   accepted_at AS "acceptedAt", failed_at AS "failedAt", target, decision_id::text AS "decisionId"`;

/** Columns a state change may set besides status/reason/detail ({@link StateChange.set}), by model name. */
const SETTABLE_COLUMNS = {
  queueId: 'queue_id',
  agentId: 'agent_id',
  routedAt: 'routed_at',
  offeredAt: 'offered_at',
  acceptedAt: 'accepted_at',
  failedAt: 'failed_at',
  withdrawRequestedAt: 'withdraw_requested_at',
  timeoutAt: 'timeout_at',
} as const;

/** Prepared statement name per SET list of {@link HandoffRepository} `apply` (process-wide). */
const APPLY_STATEMENT_NAMES = new Map<string, string>();

/** Extra column updates of a state change. */
export type HandoffColumnsSet = Partial<{
  queueId: string | null;
  agentId: string | null;
  routedAt: Date | null;
  offeredAt: Date | null;
  acceptedAt: Date | null;
  failedAt: Date | null;
  withdrawRequestedAt: Date | null;
  timeoutAt: Date | null;
}>;

/** PostgreSQL unique violation (23505), from node-postgres or as surfaced by Prisma (P2002 / P2010). */
function isUniqueViolation(e: unknown): boolean {
  if ((e as { code?: unknown })?.code === '23505') return true;
  if (e instanceof Prisma.PrismaClientKnownRequestError) {
    if (e.code === 'P2002') return true;
    return /23505|unique constraint/i.test(`${JSON.stringify(e.meta ?? {})} ${e.message}`);
  }
  return /23505|duplicate key value violates unique constraint/i.test(String((e as Error)?.message));
}

/** The model of a freshly inserted handoff: `data` plus the initial values of the columns it omits. */
function newHandoffModel(d: Prisma.HandoffUncheckedCreateInput & { createdAt: Date }): Handoff {
  const date = (v: string | Date | null | undefined) => (v == null ? null : new Date(v));
  return {
    id: d.id,
    tenantId: d.tenantId,
    integrationId: d.integrationId,
    idempotencyKey: d.idempotencyKey,
    requestHash: d.requestHash,
    intake: d.intake,
    botSessionId: d.botSessionId,
    conversationId: d.conversationId,
    channel: d.channel,
    routing: (d.routing ?? {}) as Handoff['routing'],
    transcript: (d.transcript ?? []) as Handoff['transcript'],
    intent: d.intent ?? null,
    escalationReason: d.escalationReason ?? null,
    attributes: (d.attributes ?? {}) as Handoff['attributes'],
    contact: (d.contact ?? {}) as Handoff['contact'],
    priority: d.priority ?? 0,
    summary: d.summary ?? null,
    summarySource: d.summarySource,
    sentiment: d.sentiment ?? null,
    sentimentSource: d.sentimentSource,
    status: d.status,
    reason: d.reason ?? null,
    detail: d.detail ?? null,
    workItemId: d.workItemId,
    queueId: d.queueId ?? null,
    agentId: d.agentId ?? null,
    callbackUrl: d.callbackUrl ?? null,
    timeoutSeconds: d.timeoutSeconds ?? null,
    timeoutAt: date(d.timeoutAt),
    withdrawRequestedAt: date(d.withdrawRequestedAt),
    createdAt: d.createdAt,
    updatedAt: d.createdAt,
    routedAt: date(d.routedAt),
    offeredAt: date(d.offeredAt),
    acceptedAt: date(d.acceptedAt),
    failedAt: date(d.failedAt),
    target: d.target ?? 'internal',
    decisionId: d.decisionId ?? null,
  };
}

/** A handoff model as a `handoffs` row (snake_case columns) for json_populate_record. */
function toHandoffRow(h: Handoff): Record<string, unknown> {
  return {
    id: h.id,
    tenant_id: h.tenantId,
    integration_id: h.integrationId,
    idempotency_key: h.idempotencyKey,
    request_hash: h.requestHash,
    intake: h.intake,
    bot_session_id: h.botSessionId,
    conversation_id: h.conversationId,
    channel: h.channel,
    routing: h.routing,
    transcript: h.transcript,
    intent: h.intent,
    escalation_reason: h.escalationReason,
    decision_id: h.decisionId,
    attributes: h.attributes,
    contact: h.contact,
    priority: h.priority,
    summary: h.summary,
    summary_source: h.summarySource,
    sentiment: h.sentiment,
    sentiment_source: h.sentimentSource,
    status: h.status,
    reason: h.reason,
    detail: h.detail,
    work_item_id: h.workItemId,
    queue_id: h.queueId,
    agent_id: h.agentId,
    callback_url: h.callbackUrl,
    timeout_seconds: h.timeoutSeconds,
    timeout_at: h.timeoutAt,
    withdraw_requested_at: h.withdrawRequestedAt,
    created_at: h.createdAt,
    updated_at: h.updatedAt,
    routed_at: h.routedAt,
    offered_at: h.offeredAt,
    accepted_at: h.acceptedAt,
    failed_at: h.failedAt,
    target: h.target,
  };
}

/** Raised when (tenant, idempotency key) already exists: a concurrent duplicate won. */
export class DuplicateHandoffError extends Error {}

/** A callback delivery to record with a state change. */
export interface CallbackRequest {
  url: string;
  eventId: string;
  payload: unknown;
}

/** What to write together with a state change (one transaction). */
export interface SideEffects {
  outbox: OutboxMessage[];
  callback?: CallbackRequest | null;
}

/** A state change of one handoff. */
export interface StateChange {
  from: HandoffState;
  to: HandoffState;
  reason?: string | null;
  detail?: string | null;
  /** Extra column updates (queueId, agentId, timestamps, withdrawRequestedAt …). */
  set?: HandoffColumnsSet;
  /** Event/request that caused it (audit). */
  eventId?: string | null;
  /** Audit-only detail: recorded on the transition row instead of `detail`, the handoff's detail is kept. */
  note?: string;
}

/**
 * PostgreSQL access for handoffs: every write of a state change goes with its audit row
 * (`handoff_transitions`), its outbox rows and its callback delivery in one transaction; rows are
 * locked (`FOR UPDATE`) before a decision so concurrent consumers and the timer serialize.
 */
@Injectable()
export class HandoffRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** The tenant's handoff with this idempotency key, or null (prepared SQL: runs on every intake). */
  async findByKey(tenantId: string, idempotencyKey: string): Promise<Handoff | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      preparedQuery<Handoff>(
        db,
        'hor.handoffByKey',
        `SELECT ${HANDOFF_COLUMNS} FROM handoffs WHERE tenant_id = $1 AND idempotency_key = $2`,
        [tenantId, idempotencyKey],
      ),
    );
    return rows[0] ?? null;
  }

  /**
   * The tenant's handoff `id` with its audit rows (oldest first), through `forTenant`.
   * @returns null when the tenant has no such handoff (another tenant's id included)
   */
  async findWithTransitions(
    tenantId: string,
    id: string,
  ): Promise<{ handoff: Handoff; transitions: HandoffTransition[] } | null> {
    const db = forTenant(this.prisma, tenantId);
    const handoff = await db.handoff.findFirst({ where: { id } });
    if (!handoff) return null;
    const transitions = await db.handoffTransition.findMany({
      where: { handoffId: id },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    return { handoff, transitions };
  }

  /**
   * Inserts a new handoff (its initial transition from nothing to `data.status`) with side effects —
   * handoff row, audit row, outbox rows and callback delivery — in ONE statement (data-modifying CTEs
   * over `json_populate_record`, atomic like a transaction, one round trip instead of five). `data`
   * must carry `createdAt`; the returned model is `data` with the columns it leaves out at their
   * initial values (null timestamps/agent/queue, `updatedAt = createdAt`).
   * @throws DuplicateHandoffError if (tenant, idempotencyKey) exists — nothing is written then
   * @throws CrossTenantError if an outbox row names another tenant
   */
  async insert(
    data: Prisma.HandoffUncheckedCreateInput & { createdAt: Date },
    transition: { to: HandoffState; reason?: string | null; detail?: string | null; eventId?: string | null },
    effects: SideEffects,
  ): Promise<Handoff> {
    for (const m of effects.outbox) {
      if (m.tenantId !== data.tenantId) throw new CrossTenantError(data.tenantId, m.tenantId);
    }
    const h = newHandoffModel(data);
    const handoffRow = toHandoffRow(h);
    const transitionRow = {
      id: randomUUID(),
      tenant_id: h.tenantId,
      handoff_id: h.id,
      from_status: null,
      to_status: transition.to,
      reason: transition.reason ?? null,
      detail: transition.detail ?? null,
      event_id: transition.eventId ?? null,
    };
    try {
      await inTenantTransaction(this.pool, h.tenantId, (db) =>
        preparedQuery(db, 'hor.insertHandoff', INSERT_HANDOFF_SQL, [
          JSON.stringify(handoffRow),
          JSON.stringify(transitionRow),
          outboxRowsJson(effects.outbox),
          JSON.stringify(callbackRowsOf(h, effects)),
        ]),
      );
      return h;
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateHandoffError('duplicate idempotency key');
      throw e;
    }
  }

  /**
   * Applies router events of one tenant (a partition batch, or one event) to the handoffs of their work
   * items, claiming each event id in the inbox, in **one transaction** with multi-row statements: one
   * statement locks every handoff of the events' work items (`FOR UPDATE`, id order) and claims the event ids of existing handoffs in the inbox (one
   * INSERT over `unnest`); the decisions run in memory in event order, each on the handoff as the
   * previous events of the batch left it (e.g. `queued` then `offered` of one router transaction); one
   * statement then writes every changed handoff's final columns (one UPDATE over a JSON row set,
   * checked against the status it was locked in), every transition's audit row, outbox rows and callback
   * deliveries. Same outcomes as one transaction per event in order: a repeated event id is applied once
   * (a redelivered event changes nothing), events of unknown work items leave no inbox row.
   * @returns per event (same order) the handoff after its change, or null when it changed nothing
   * @throws database errors, CrossTenantError — nothing of the batch is committed
   */
  async changeManyByWorkItem(
    tenantId: string,
    events: {
      workItemId: string;
      eventId: string;
      decide: (h: Handoff) => { change: StateChange; effects: (updated: Handoff) => SideEffects } | null;
    }[],
  ): Promise<(Handoff | null)[]> {
    if (!events.length) return [];
    return inTenantTransaction(this.pool, tenantId, async (db) => {
      const { rows } = await preparedQuery<Handoff & { claimed: string[] }>(
        db,
        'hor.lockManyByWorkItem',
        `WITH l AS (
          SELECT ${HANDOFF_COLUMNS} FROM handoffs
          WHERE tenant_id = $2 AND work_item_id = ANY($4::uuid[]) ORDER BY id FOR UPDATE
        ), c AS (
          INSERT INTO processed_events (consumer, event_id)
          SELECT $1::text, x.e FROM unnest($3::text[], $4::uuid[]) AS x(e, w)
          WHERE EXISTS (SELECT 1 FROM handoffs WHERE tenant_id = $2 AND work_item_id = x.w)
          ON CONFLICT DO NOTHING RETURNING event_id
        )
        SELECT l.*, ARRAY(SELECT event_id FROM c) AS claimed FROM l`,
        [INBOX_CONSUMER, tenantId, events.map((e) => e.eventId), events.map((e) => e.workItemId)],
      );
      if (!rows.length) return events.map(() => null);
      const claimed = new Set(rows[0].claimed);
      const current = new Map<string, Handoff>();
      for (const { claimed: _c, ...h } of rows) if (h.workItemId) current.set(h.workItemId, h);
      const lockedStatus = new Map<string, string>(rows.map((h) => [h.id, h.status]));
      const touched = new Map<string, { h: Handoff; columns: Set<string> }>();
      const transitions: Record<string, unknown>[] = [];
      const seq = new Map<string, number>(); // transitions of each handoff so far in this batch
      const outbox: OutboxMessage[] = [];
      const callbacks: Record<string, unknown>[] = [];
      const results: (Handoff | null)[] = [];
      for (const ev of events) {
        const h = current.get(ev.workItemId);
        if (!h || !claimed.delete(ev.eventId)) {
          results.push(null);
          continue;
        }
        const d = ev.decide(h);
        if (!d) {
          results.push(null);
          continue;
        }
        const c = d.change;
        const { updated, effects: e } = changed(h, c, d.effects);
        const t = touched.get(h.id) ?? { h: updated, columns: new Set<string>() };
        t.h = updated;
        if (c.reason !== undefined) t.columns.add('reason');
        if (c.detail !== undefined) t.columns.add('detail');
        for (const key of Object.keys(c.set ?? {})) {
          if (!SETTABLE_COLUMNS[key as keyof typeof SETTABLE_COLUMNS])
            throw new Error(`handoff column ${key} cannot be set by a state change`);
          t.columns.add(key);
        }
        touched.set(h.id, t);
        seq.set(h.id, (seq.get(h.id) ?? 0) + 1);
        transitions.push({
          x_seq: seq.get(h.id) ?? 0,
          ...transitionRow(h, c, ev.eventId),
        });
        outbox.push(...e.outbox);
        callbacks.push(...callbackRowsOf(h, e));
        current.set(ev.workItemId, updated);
        results.push(updated);
      }
      if (!touched.size) return results;
      const changes = [...touched.values()].map(({ h, columns }) => {
        const row: Record<string, unknown> = {
          id: h.id,
          from_status: lockedStatus.get(h.id),
          status: h.status,
          set_reason: columns.has('reason'),
          reason: h.reason,
          set_detail: columns.has('detail'),
          detail: h.detail,
        };
        for (const [key, column] of Object.entries(SETTABLE_COLUMNS)) {
          row[`set_${column}`] = columns.has(key);
          row[column] = h[key as keyof Handoff] ?? null;
        }
        return row;
      });
      const setCol = (c: string) => `${c} = CASE WHEN x.set_${c} THEN x.${c} ELSE h.${c} END`;
      const { rows: written } = await preparedQuery<{ id: string; updatedAt: Date }>(
        db,
        'hor.applyMany',
        `WITH x AS (
          SELECT * FROM json_to_recordset($1::json) AS x(id uuid, from_status text, status text,
            set_reason boolean, reason text, set_detail boolean, detail text,
            set_queue_id boolean, queue_id uuid, set_agent_id boolean, agent_id text,
            set_routed_at boolean, routed_at timestamptz, set_offered_at boolean, offered_at timestamptz,
            set_accepted_at boolean, accepted_at timestamptz, set_failed_at boolean, failed_at timestamptz,
            set_withdraw_requested_at boolean, withdraw_requested_at timestamptz,
            set_timeout_at boolean, timeout_at timestamptz)
        ), u AS (
          UPDATE handoffs h SET status = x.status, updated_at = now(), ${[
            'reason',
            'detail',
            ...Object.values(SETTABLE_COLUMNS),
          ]
            .map(setCol)
            .join(', ')}
          FROM x WHERE h.tenant_id = $2 AND h.id = x.id AND h.status = x.from_status
          RETURNING h.id::text AS id, h.updated_at AS "updatedAt"
        ), t AS (
          -- the k-th transition of a handoff in this batch is stamped k ms after the transaction's start
          -- (column precision: ms), so the audit trail (ordered by at) keeps the events' order
          INSERT INTO handoff_transitions (id, tenant_id, handoff_id, from_status, to_status, reason, detail, event_id, at)
          SELECT r.id, r.tenant_id, r.handoff_id, r.from_status, r.to_status, r.reason, r.detail, r.event_id,
                 now() + make_interval(secs => (e.j->>'x_seq')::int / 1000.0)
          FROM json_array_elements($3::json) AS e(j), LATERAL json_populate_record(NULL::handoff_transitions, e.j) r
        ), o AS (
          ${OUTBOX_INSERT_SQL.replace('$1', '$4')}
        ), c AS (
          INSERT INTO callback_deliveries (id, tenant_id, handoff_id, event_id, url, payload)
          SELECT r.id, r.tenant_id, r.handoff_id, r.event_id, r.url, r.payload
          FROM json_populate_recordset(NULL::callback_deliveries, $5::json) r
        )
        SELECT id, "updatedAt" FROM u`,
        [
          JSON.stringify(changes),
          tenantId,
          JSON.stringify(transitions),
          outboxRowsJson(outbox),
          JSON.stringify(callbacks),
        ],
      );
      if (written.length !== touched.size)
        throw new Error(`handoffs changed while locked: wrote ${written.length} of ${touched.size}`);
      const at = new Map(written.map((w) => [w.id, w.updatedAt]));
      return results.map((r) => (r ? { ...r, updatedAt: at.get(r.id) ?? r.updatedAt } : r));
    });
  }

  /**
   * Locks one handoff by id, claims `eventId` for `consumer` in the inbox, and applies what `decide` picks:
   * a state change with its effects, or (`change: null`) only outbox rows (e.g. an external agent's chat
   * message relayed to the bot). Used by the contact-center event sink (docs/ccaas.md).
   * @returns `{handoff, claimed}` — claimed false: the event was seen before (nothing done); null when the
   *          handoff does not exist in this tenant
   */
  async changeByIdOnEvent(
    tenantId: string,
    id: string,
    consumer: string,
    eventId: string,
    decide: (h: Handoff) => { change: StateChange | null; effects: (updated: Handoff) => SideEffects } | null,
  ): Promise<{ handoff: Handoff; claimed: boolean } | null> {
    return inTenantTransaction(this.pool, tenantId, async (db) => {
      const { rows } = await db.query<Handoff & { claimed: boolean }>(
        `WITH c AS (
          INSERT INTO processed_events (consumer, event_id)
          SELECT $1::text, $2::text
          WHERE EXISTS (SELECT 1 FROM handoffs WHERE tenant_id = $3 AND id = $4::uuid)
          ON CONFLICT DO NOTHING RETURNING 1
        )
        SELECT ${HANDOFF_COLUMNS}, EXISTS (SELECT 1 FROM c) AS claimed
        FROM handoffs WHERE tenant_id = $3 AND id = $4::uuid FOR UPDATE`,
        [consumer, eventId, tenantId, id],
      );
      if (!rows.length) return null;
      const { claimed, ...h } = rows[0];
      if (!claimed) return { handoff: h, claimed: false };
      const d = decide(h);
      if (!d) return { handoff: h, claimed: true };
      if (d.change)
        return { handoff: await this.apply(db, h, { eventId, ...d.change }, d.effects), claimed: true };
      const e = d.effects(h);
      for (const m of e.outbox) {
        if (m.tenantId !== h.tenantId) throw new CrossTenantError(h.tenantId, m.tenantId);
      }
      if (e.outbox.length) await db.query(OUTBOX_INSERT_SQL, [outboxRowsJson(e.outbox)]);
      return { handoff: h, claimed: true };
    });
  }

  /**
   * Locks one handoff by id and applies the change `decide` picks (bot cancel).
   * @returns `{handoff, changed}` or null when the handoff does not exist in this tenant
   */
  async changeById(
    tenantId: string,
    id: string,
    decide: (h: Handoff) => { change: StateChange; effects: (updated: Handoff) => SideEffects } | null,
  ): Promise<{ handoff: Handoff; changed: boolean } | null> {
    return inTenantTransaction(this.pool, tenantId, async (db) => {
      const { rows } = await db.query<Handoff>(
        `SELECT ${HANDOFF_COLUMNS} FROM handoffs WHERE tenant_id = $1 AND id = $2::uuid FOR UPDATE`,
        [tenantId, id],
      );
      const h = rows[0];
      if (!h) return null;
      const d = decide(h);
      if (!d) return { handoff: h, changed: false };
      return { handoff: await this.apply(db, h, d.change, d.effects), changed: true };
    });
  }

  /**
   * Durable timer scan (all tenants — a system job: the SECURITY DEFINER function `hub_lock_due_handoffs`
   * locks the due rows and returns only their (tenant, id); each is then read and changed with its own
   * tenant set, in the same transaction — docs/security/tenancy.md "System paths"): locks up to `limit` handoffs whose timeout has passed while they wait
   * for an agent (`requested|routed|offered`, `timeout_at <= now()`), and up to `limit` `withdrawing`
   * handoffs whose withdraw grace has run out (`withdraw_requested_at + graceMs <= now()`), with
   * `FOR UPDATE SKIP LOCKED` (replicas share the work), and applies the change `decide` picks for each.
   * @param graceMs how long a withdrawing handoff waits for the router, ms
   * @returns counts of changed handoffs by kind, and the failed ones (after the change)
   */
  async changeDueTimeouts(
    limit: number,
    graceMs: number,
    decide: (h: Handoff) => { change: StateChange; effects: (updated: Handoff) => SideEffects },
  ): Promise<{ withdrawn: number; failed: number; failedHandoffs: Handoff[] }> {
    const states = [...TIMED_STATES];
    return inPgTransaction(this.pool, async (db) => {
      // Lock and read in one statement (two index range scans on (status, …); locking CTEs, as FOR UPDATE
      // is not allowed on a UNION itself).
      const { rows: due } = await db.query<{ tenantId: string; id: string }>(
        'SELECT tenant_id AS "tenantId", id::text AS id FROM hub_lock_due_handoffs($1::text[], $2, $3::float8)',
        [states, limit, graceMs],
      );
      const failedHandoffs: Handoff[] = [];
      let withdrawn = 0;
      for (const { tenantId, id } of due) {
        await setTransactionTenant(db, tenantId);
        const { rows } = await preparedQuery<Handoff>(
          db,
          'hor.handoffById',
          `SELECT ${HANDOFF_COLUMNS} FROM handoffs WHERE tenant_id = $1 AND id = $2::uuid`,
          [tenantId, id],
        );
        const h = rows[0];
        if (!h) continue;
        const d = decide(h);
        const u = await this.apply(db, h, d.change, d.effects);
        if (u.status === 'failed') failedHandoffs.push(u);
        else withdrawn++;
      }
      return { withdrawn, failed: failedHandoffs.length, failedHandoffs };
    });
  }

  /**
   * The earliest pending timer (all tenants, SECURITY DEFINER `hub_next_handoff_timer`), or null: the nearest `timeout_at` of a handoff waiting
   * for an agent, or the nearest withdraw deadline (`withdraw_requested_at + graceMs`).
   */
  async nextTimeoutAt(graceMs: number): Promise<Date | null> {
    const states = [...TIMED_STATES];
    const { rows } = await this.pool.query<{ at: Date | null }>(
      'SELECT hub_next_handoff_timer($1::text[], $2::float8) AS at',
      [states, graceMs],
    );
    return rows[0]?.at ?? null;
  }

  /**
   * Applies a state change of a locked handoff with its side effects in ONE statement: the conditional
   * UPDATE (`status = c.from`), the audit row, the outbox rows and the callback delivery (the inserts
   * join the UPDATE's row, so nothing is written when it matched nothing).
   * @returns the handoff after the change
   * @throws Error if the handoff is no longer in `c.from` (the transaction rolls back)
   * @throws CrossTenantError if an outbox row names another tenant
   */
  private async apply(
    db: SqlExecutor,
    h: Handoff,
    c: StateChange,
    effects: (updated: Handoff) => SideEffects,
  ): Promise<Handoff> {
    const { updated, effects: e } = changed(h, c, effects);
    const values: unknown[] = [
      h.id,
      h.tenantId,
      c.from,
      c.to,
      JSON.stringify(transitionRow(h, c, c.eventId)),
      outboxRowsJson(e.outbox),
      JSON.stringify(callbackRowsOf(h, e)),
    ];
    const sets = ['status = $4', 'updated_at = now()'];
    if (c.reason !== undefined) sets.push(`reason = $${values.push(c.reason)}`);
    if (c.detail !== undefined) sets.push(`detail = $${values.push(c.detail)}`);
    for (const [key, value] of Object.entries(c.set ?? {})) {
      const column = SETTABLE_COLUMNS[key as keyof typeof SETTABLE_COLUMNS];
      if (!column) throw new Error(`handoff column ${key} cannot be set by a state change`);
      sets.push(`${column} = $${values.push(value)}`);
    }
    // Prepared per distinct SET list (a handful: one per kind of transition); short names, as
    // PostgreSQL truncates statement names to 63 bytes.
    const setList = sets.join(', ');
    let name = APPLY_STATEMENT_NAMES.get(setList);
    if (!name) APPLY_STATEMENT_NAMES.set(setList, (name = `hor.apply.${APPLY_STATEMENT_NAMES.size}`));
    const { rows } = await preparedQuery<{ updatedAt: Date }>(
      db,
      name,
      `WITH u AS (
        UPDATE handoffs SET ${setList}
        WHERE id = $1::uuid AND tenant_id = $2 AND status = $3 RETURNING id, updated_at
      ), ${sideEffectCtes('u', 5)}
      SELECT updated_at AS "updatedAt" FROM u`,
      values,
    );
    if (rows.length !== 1) throw new Error(`handoff ${h.id} is no longer ${c.from}`);
    return { ...updated, updatedAt: rows[0].updatedAt };
  }
}

/**
 * The handoff after state change `c` (status, reason, detail and the change's columns) and the side effects
 * `effects` derives from it.
 * @throws CrossTenantError if an outbox message names another tenant
 */
function changed(
  h: Handoff,
  c: StateChange,
  effects: (updated: Handoff) => SideEffects,
): { updated: Handoff; effects: SideEffects } {
  const updated: Handoff = {
    ...h,
    ...c.set,
    status: c.to,
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    ...(c.detail !== undefined ? { detail: c.detail } : {}),
  };
  const e = effects(updated);
  for (const m of e.outbox) {
    if (m.tenantId !== h.tenantId) throw new CrossTenantError(h.tenantId, m.tenantId);
  }
  return { updated, effects: e };
}

/** The `handoff_transitions` row (audit trail) of change `c` of handoff `h`, caused by `eventId`. */
function transitionRow(h: Handoff, c: StateChange, eventId: string | null | undefined) {
  return {
    id: randomUUID(),
    tenant_id: h.tenantId,
    handoff_id: h.id,
    from_status: c.from,
    to_status: c.to,
    reason: c.reason ?? null,
    detail: c.note ?? c.detail ?? null,
    event_id: eventId ?? null,
  };
}
