import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { TimeRange } from '@hub/calendars';
import type { DateOverrideInput, HolidayRuleInput, WeeklyIntervalInput } from './callbacks.schemas';
import { inTenantTransaction, PG_POOL } from '@hub/persistence';
import type { CallbackTeamInput } from './callbacks.schemas';
import { PermanentDeliveryError } from './sms/sms-port';

/** A team's stored callback settings (`callback_teams`). */
export interface CallbackTeam {
  tenantId: string;
  queueId: string;
  zone: string;
  weeklyHours: WeeklyIntervalInput[];
  overrides: DateOverrideInput[];
  holidays: HolidayRuleInput | null;
  slotIntervalMin: number;
  bufferMin: number;
  minNoticeMin: number;
  durations: { voice: number; video: number; chat: number };
  calendarIntegrationId: string | null;
  queueSlaMin: number;
  agentEmail: string | null;
  /** Agents who take the team's callbacks (`callback_team_members`), by agent id; empty = team-level bookings. */
  members: CallbackTeamMember[];
}

/** A member of a callback team: a router agent of the team's queue. */
export interface CallbackTeamMember {
  agentId: string;
  /** The agent's own address for confirmations / reminders; null = the team's `agentEmail`. */
  email: string | null;
}

export type CallbackStatus = 'booked' | 'completed' | 'missed' | 'rescheduled' | 'canceled';

/** One booking (`customer_callbacks`). */
export interface CustomerCallback {
  id: string;
  tenantId: string;
  queueId: string;
  customerId: string;
  conversationId: string | null;
  decisionId: string | null;
  integrationId: string | null;
  channel: 'voice' | 'video' | 'chat';
  /** The assigned agent (a team member), or null for a team without members. */
  agentId: string | null;
  startsAt: Date;
  endsAt: Date;
  status: CallbackStatus;
  customerName: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
  context: Record<string, unknown>;
  calendarEventId: string | null;
  rescheduledFrom: string | null;
  sequence: number;
}

/** A notification row to write with a booking. */
export interface NewNotification {
  /** `work_item`: at the slot time the callback becomes a handoff on the team's queue. */
  kind: 'confirmation' | 'reminder' | 'cancellation' | 'work_item';
  recipient: 'customer' | 'agent' | 'queue';
  medium: 'email' | 'sms' | 'handoff';
  dueAt: Date;
}

/** A due notification with its booking, claimed (row-locked) inside a tenant transaction. */
export interface ClaimedNotification {
  id: string;
  kind: NewNotification['kind'];
  recipient: NewNotification['recipient'];
  medium: NewNotification['medium'];
  attempts: number;
  callback: CustomerCallback;
}

/** What a provider answered when it accepted a notification (SMS), stored on the row. */
export interface DeliveryReceipt {
  provider: string;
  providerMessageId: string;
  deliveryStatus: string;
}

/** Delivery statuses of a provider's status callbacks (Twilio `MessageStatus`), in the order they can follow. */
export const DELIVERY_STATUS_RANK: Record<string, number> = {
  accepted: 1,
  scheduled: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  read: 6,
};

/**
 * The booking overlaps another `booked` row of its agent — or, without an agent, of its team (exclusion constraint
 * `customer_callbacks_no_double_booking`).
 */
export class SlotTakenError extends Error {
  constructor() {
    super('slot already booked');
    this.name = 'SlotTakenError';
  }
}

const TEAM_COLUMNS = `tenant_id AS "tenantId", queue_id AS "queueId", zone, weekly_hours AS "weeklyHours",
  date_overrides AS overrides, holidays,
  slot_interval_min AS "slotIntervalMin", buffer_min AS "bufferMin", min_notice_min AS "minNoticeMin", durations,
  calendar_integration_id AS "calendarIntegrationId", queue_sla_min AS "queueSlaMin", agent_email AS "agentEmail",
  COALESCE((SELECT json_agg(json_build_object('agentId', m.agent_id, 'email', m.email) ORDER BY m.agent_id)
            FROM callback_team_members m WHERE m.tenant_id = callback_teams.tenant_id AND m.queue_id = callback_teams.queue_id),
           '[]'::json) AS members`;

const CALLBACK_COLUMNS = `id, tenant_id AS "tenantId", queue_id AS "queueId", customer_id AS "customerId",
  conversation_id AS "conversationId", decision_id AS "decisionId", integration_id AS "integrationId", channel,
  agent_id AS "agentId", starts_at AS "startsAt",
  ends_at AS "endsAt", status, customer_name AS "customerName", customer_email AS "customerEmail",
  customer_phone AS "customerPhone", context, calendar_event_id AS "calendarEventId",
  rescheduled_from AS "rescheduledFrom", sequence`;

const isExclusionViolation = (e: unknown) =>
  (e as { code?: string }).code === '23P01' &&
  (e as { constraint?: string }).constraint === 'customer_callbacks_no_double_booking';

/**
 * The only owner of `callback_teams`, `callback_team_members`, `customer_callbacks` and `customer_callback_notifications` (PostgreSQL,
 * every statement inside the tenant's RLS transaction).
 */
@Injectable()
export class CustomerCallbackRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Creates or replaces the team's settings and its members (one transaction). */
  async putTeam(tenantId: string, queueId: string, t: CallbackTeamInput): Promise<CallbackTeam> {
    return inTenantTransaction(this.pool, tenantId, async (db) => {
      await db.query<CallbackTeam>(
        `INSERT INTO callback_teams (tenant_id, queue_id, zone, weekly_hours, slot_interval_min, buffer_min,
           min_notice_min, durations, calendar_integration_id, queue_sla_min, agent_email, date_overrides, holidays,
           updated_at)
         VALUES ($1, $2::uuid, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9::uuid, $10, $11, $12::jsonb, $13::jsonb,
           CURRENT_TIMESTAMP)
         ON CONFLICT (tenant_id, queue_id) DO UPDATE SET zone = EXCLUDED.zone, weekly_hours = EXCLUDED.weekly_hours,
           slot_interval_min = EXCLUDED.slot_interval_min, buffer_min = EXCLUDED.buffer_min,
           min_notice_min = EXCLUDED.min_notice_min, durations = EXCLUDED.durations,
           calendar_integration_id = EXCLUDED.calendar_integration_id, queue_sla_min = EXCLUDED.queue_sla_min,
           agent_email = EXCLUDED.agent_email, date_overrides = EXCLUDED.date_overrides,
           holidays = EXCLUDED.holidays, updated_at = CURRENT_TIMESTAMP
         RETURNING ${TEAM_COLUMNS}`,
        [
          tenantId,
          queueId,
          t.zone,
          JSON.stringify(t.weeklyHours),
          t.slotIntervalMin,
          t.bufferMin,
          t.minNoticeMin,
          JSON.stringify(t.durations),
          t.calendarIntegrationId,
          t.queueSlaMin,
          t.agentEmail,
          JSON.stringify(t.overrides),
          t.holidays === null ? null : JSON.stringify(t.holidays),
        ],
      );
      await db.query('DELETE FROM callback_team_members WHERE tenant_id = $1 AND queue_id = $2::uuid', [
        tenantId,
        queueId,
      ]);
      await db.query(
        `INSERT INTO callback_team_members (tenant_id, queue_id, agent_id, email)
         SELECT $1, $2::uuid, m->>'agentId', m->>'email' FROM jsonb_array_elements($3::jsonb) m`,
        [tenantId, queueId, JSON.stringify(t.members)],
      );
      const { rows } = await db.query<CallbackTeam>(
        `SELECT ${TEAM_COLUMNS} FROM callback_teams WHERE tenant_id = $1 AND queue_id = $2::uuid`,
        [tenantId, queueId],
      );
      return rows[0];
    });
  }

  /**
   * `booked` callbacks of the given agents overlapping `[from, to)` (any team of the tenant: an agent is booked
   * once), as busy time per agent.
   * @param excludeId a booking not to count (the one being rescheduled)
   */
  async agentBookedRanges(
    tenantId: string,
    agentIds: string[],
    from: Date,
    to: Date,
    excludeId?: string,
  ): Promise<Map<string, TimeRange[]>> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<{ agentId: string; start: Date; end: Date }>(
        `SELECT agent_id AS "agentId", starts_at AS start, ends_at AS "end" FROM customer_callbacks
         WHERE tenant_id = $1 AND agent_id = ANY($2::text[]) AND status = 'booked' AND slot && tstzrange($3, $4, '[)')
           AND ($5::uuid IS NULL OR id <> $5::uuid)`,
        [tenantId, agentIds, from, to, excludeId ?? null],
      ),
    );
    const out = new Map<string, TimeRange[]>(agentIds.map((a) => [a, []]));
    for (const r of rows) out.get(r.agentId)?.push({ start: r.start, end: r.end });
    return out;
  }

  /** Booked callbacks per agent starting in `[from, to)` (the assignment policy's "bookings that day"). */
  async agentBookingCounts(
    tenantId: string,
    agentIds: string[],
    from: Date,
    to: Date,
  ): Promise<Map<string, number>> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<{ agentId: string; n: string }>(
        `SELECT agent_id AS "agentId", count(*) AS n FROM customer_callbacks
         WHERE tenant_id = $1 AND agent_id = ANY($2::text[]) AND status = 'booked' AND starts_at >= $3 AND starts_at < $4
         GROUP BY agent_id`,
        [tenantId, agentIds, from, to],
      ),
    );
    return new Map(rows.map((r) => [r.agentId, Number(r.n)]));
  }

  /** The team's settings, or null when the tenant has none for `queueId`. */
  async team(tenantId: string, queueId: string): Promise<CallbackTeam | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<CallbackTeam>(`SELECT ${TEAM_COLUMNS} FROM callback_teams WHERE queue_id = $1::uuid`, [
        queueId,
      ]),
    );
    return rows[0] ?? null;
  }

  /** Whether the tenant has router queue `queueId` (read-only look at the router's table). */
  async queueExists(tenantId: string, queueId: string): Promise<boolean> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query('SELECT 1 FROM queues WHERE id = $1::uuid', [queueId]),
    );
    return rows.length > 0;
  }

  /** `booked` callbacks of the team overlapping `[from, to)`, as busy time (teams without members). */
  async bookedRanges(
    tenantId: string,
    queueId: string,
    from: Date,
    to: Date,
    excludeId?: string,
  ): Promise<TimeRange[]> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<{ start: Date; end: Date }>(
        `SELECT starts_at AS start, ends_at AS "end" FROM customer_callbacks
         WHERE queue_id = $1::uuid AND status = 'booked' AND slot && tstzrange($2, $3, '[)')
           AND ($4::uuid IS NULL OR id <> $4::uuid)`,
        [queueId, from, to, excludeId ?? null],
      ),
    );
    return rows;
  }

  /** Open callbacks of the team in the queue model (for its "within X minutes" estimate). */
  async waitingCount(tenantId: string, queueId: string): Promise<number> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<{ n: string }>(
        `SELECT count(*) AS n FROM customer_callbacks WHERE queue_id = $1::uuid AND status = 'booked'`,
        [queueId],
      ),
    );
    return Number(rows[0].n);
  }

  /**
   * Inserts a `booked` row and its notifications in one transaction, then runs `afterInsert` (the calendar
   * write) inside it — a failure there rolls the booking back. With `replaces`, that row is first closed as
   * `rescheduled` and its unsent reminders and slot-time work item are deleted.
   * @throws SlotTakenError when another booked row of the agent (no agent: of the team) overlaps (also for
   *         parallel requests)
   */
  async book(
    cb: Omit<CustomerCallback, 'id' | 'status' | 'calendarEventId' | 'sequence'> & {
      id?: string;
      sequence?: number;
    },
    notifications: NewNotification[],
    afterInsert: (row: CustomerCallback) => Promise<string | null>,
    replaces?: string,
  ): Promise<CustomerCallback> {
    const id = cb.id ?? randomUUID();
    try {
      return await inTenantTransaction(this.pool, cb.tenantId, async (db) => {
        if (replaces) {
          await db.query(
            `UPDATE customer_callbacks SET status = 'rescheduled', updated_at = CURRENT_TIMESTAMP WHERE id = $1::uuid`,
            [replaces],
          );
          await db.query(
            `DELETE FROM customer_callback_notifications WHERE callback_id = $1::uuid AND sent_at IS NULL AND kind IN ('reminder', 'work_item')`,
            [replaces],
          );
        }
        const { rows } = await db.query<CustomerCallback>(
          `INSERT INTO customer_callbacks (id, tenant_id, queue_id, customer_id, conversation_id, decision_id, channel,
             starts_at, ends_at, customer_name, customer_email, customer_phone, context, rescheduled_from, sequence,
             integration_id, agent_id)
           VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6::uuid, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::uuid, $15,
             $16::uuid, $17)
           RETURNING ${CALLBACK_COLUMNS}`,
          [
            id,
            cb.tenantId,
            cb.queueId,
            cb.customerId,
            cb.conversationId,
            cb.decisionId,
            cb.channel,
            cb.startsAt,
            cb.endsAt,
            cb.customerName,
            cb.customerEmail,
            cb.customerPhone,
            JSON.stringify(cb.context),
            cb.rescheduledFrom,
            cb.sequence ?? 0,
            cb.integrationId,
            cb.agentId,
          ],
        );
        await this.insertNotifications(db, cb.tenantId, id, notifications);
        const eventId = await afterInsert(rows[0]);
        if (eventId) {
          await db.query('UPDATE customer_callbacks SET calendar_event_id = $2 WHERE id = $1::uuid', [
            id,
            eventId,
          ]);
          rows[0].calendarEventId = eventId;
        }
        return rows[0];
      });
    } catch (e) {
      if (isExclusionViolation(e)) throw new SlotTakenError();
      throw e;
    }
  }

  private async insertNotifications(
    db: PoolClient,
    tenantId: string,
    callbackId: string,
    ns: NewNotification[],
  ): Promise<void> {
    for (const n of ns) {
      await db.query(
        `INSERT INTO customer_callback_notifications (id, tenant_id, callback_id, kind, recipient, medium, due_at)
         VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [randomUUID(), tenantId, callbackId, n.kind, n.recipient, n.medium, n.dueAt],
      );
    }
  }

  /** One booking, or null (other tenants' rows are invisible). */
  async get(tenantId: string, id: string): Promise<CustomerCallback | null> {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query<CustomerCallback>(`SELECT ${CALLBACK_COLUMNS} FROM customer_callbacks WHERE id = $1::uuid`, [
        id,
      ]),
    );
    return rows[0] ?? null;
  }

  /**
   * Moves a `booked` row to a final status (canceled / completed / missed); a cancel deletes unsent reminders and
   * queues the cancellations; completed / missed drop the pending slot-time work item too. Runs `inside` in the same transaction (the calendar delete).
   * @returns the updated row, or null when it was not `booked` (already final, or unknown)
   */
  async close(
    tenantId: string,
    id: string,
    status: 'canceled' | 'completed' | 'missed',
    notifications: NewNotification[],
    inside: (row: CustomerCallback) => Promise<void> = async () => undefined,
  ): Promise<CustomerCallback | null> {
    return inTenantTransaction(this.pool, tenantId, async (db) => {
      const { rows } = await db.query<CustomerCallback>(
        `UPDATE customer_callbacks SET status = $2, updated_at = CURRENT_TIMESTAMP
         WHERE id = $1::uuid AND status = 'booked' RETURNING ${CALLBACK_COLUMNS}`,
        [id, status],
      );
      if (!rows[0]) return null;
      await db.query(
        `DELETE FROM customer_callback_notifications WHERE callback_id = $1::uuid AND sent_at IS NULL AND kind IN ('reminder', 'work_item')`,
        [id],
      );
      await this.insertNotifications(db, tenantId, id, notifications);
      await inside(rows[0]);
      return rows[0];
    });
  }

  /**
   * (tenant, id) of unsent notifications of every tenant due at `now` (`due_at <= now`; SECURITY DEFINER system
   * path), oldest first.
   * @param now the callback clock's instant (CallbackClock; the system clock outside tests)
   */
  async dueNotifications(limit: number, now: Date): Promise<{ tenant_id: string; id: string }[]> {
    const { rows } = await this.pool.query<{ tenant_id: string; id: string }>(
      'SELECT * FROM hub_due_callback_notifications($1, $2::timestamptz)',
      [limit, now],
    );
    return rows;
  }

  /**
   * Claims one due notification (`FOR UPDATE SKIP LOCKED`), runs `send` and marks it sent (with the provider's
   * receipt, if any) — or records the error and pushes it back with backoff, or, for a {@link PermanentDeliveryError},
   * marks it failed for good (`failed_at`) — in the same transaction: replicas never send it twice.
   * @returns whether it was sent (false: claimed elsewhere, already sent, or failed)
   */
  async deliver(
    tenantId: string,
    id: string,
    send: (n: ClaimedNotification) => Promise<DeliveryReceipt | void>,
  ): Promise<boolean> {
    return inTenantTransaction(this.pool, tenantId, async (db) => {
      const { rows } = await db.query<{
        id: string;
        kind: NewNotification['kind'];
        recipient: NewNotification['recipient'];
        medium: NewNotification['medium'];
        attempts: number;
        callbackId: string;
      }>(
        `SELECT id, kind, recipient, medium, attempts, callback_id AS "callbackId" FROM customer_callback_notifications
         WHERE id = $1::uuid AND sent_at IS NULL FOR UPDATE SKIP LOCKED`,
        [id],
      );
      const n = rows[0];
      if (!n) return false;
      const cb = (
        await db.query<CustomerCallback>(
          `SELECT ${CALLBACK_COLUMNS} FROM customer_callbacks WHERE id = $1::uuid`,
          [n.callbackId],
        )
      ).rows[0];
      let receipt: DeliveryReceipt | void;
      try {
        receipt = await send({
          id: n.id,
          kind: n.kind,
          recipient: n.recipient,
          medium: n.medium,
          attempts: n.attempts,
          callback: cb,
        });
      } catch (e) {
        if (e instanceof PermanentDeliveryError) {
          await db.query(
            `UPDATE customer_callback_notifications SET attempts = attempts + 1, last_error = $2,
               failed_at = clock_timestamp(), delivery_error_code = $3
             WHERE id = $1::uuid`,
            [id, `${e.field}: ${e.message}`.slice(0, 500), e.providerCode ?? null],
          );
          return false;
        }
        await db.query(
          `UPDATE customer_callback_notifications SET attempts = attempts + 1, last_error = $2,
             due_at = clock_timestamp() + make_interval(secs => least(300, power(2, attempts + 1)))
           WHERE id = $1::uuid`,
          [id, (e as Error).message.slice(0, 500)],
        );
        return false;
      }
      await db.query(
        `UPDATE customer_callback_notifications SET sent_at = clock_timestamp(), attempts = attempts + 1,
           provider = $2, provider_message_id = $3, delivery_status = $4,
           delivery_updated_at = CASE WHEN $4::text IS NULL THEN NULL ELSE clock_timestamp() END
         WHERE id = $1::uuid`,
        [id, receipt?.provider ?? null, receipt?.providerMessageId ?? null, receipt?.deliveryStatus ?? null],
      );
      return true;
    });
  }

  /**
   * Records a provider's delivery-status callback on the notification it names (tenant transaction). The row is
   * updated only when `providerMessageId` matches the one stored at sending (a callback racing the sending
   * transaction waits for its row lock and then sees the stored id) and the status does not step back
   * ({@link DELIVERY_STATUS_RANK}: a late `sent` never overwrites `delivered`).
   * @returns whether the row changed
   */
  async recordDeliveryStatus(
    tenantId: string,
    notificationId: string,
    update: { provider: string; providerMessageId: string; status: string; errorCode: string | null },
  ): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/i.test(notificationId)) return false;
    const rank = DELIVERY_STATUS_RANK[update.status] ?? 0;
    // the row's status may not step back: statuses ranked above the new one block the update
    const later = Object.keys(DELIVERY_STATUS_RANK).filter((k) => (DELIVERY_STATUS_RANK[k] ?? 0) > rank);
    const { rowCount } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query(
        `UPDATE customer_callback_notifications n SET delivery_status = $4, delivery_error_code = $5,
           delivery_updated_at = clock_timestamp()
         WHERE n.id = $1::uuid AND n.provider = $2 AND n.provider_message_id = $3
           AND (n.delivery_status IS NULL OR NOT (n.delivery_status = ANY($6::text[])))`,
        [notificationId, update.provider, update.providerMessageId, update.status, update.errorCode, later],
      ),
    );
    return (rowCount ?? 0) > 0;
  }

  /** The notifications of a booking (tests, the callback view). */
  async notificationsOf(
    tenantId: string,
    callbackId: string,
  ): Promise<
    {
      id: string;
      kind: string;
      recipient: string;
      medium: string;
      dueAt: Date;
      sentAt: Date | null;
      failedAt: Date | null;
      lastError: string | null;
      provider: string | null;
      providerMessageId: string | null;
      deliveryStatus: string | null;
      deliveryErrorCode: string | null;
    }[]
  > {
    const { rows } = await inTenantTransaction(this.pool, tenantId, (db) =>
      db.query(
        `SELECT id, kind, recipient, medium, due_at AS "dueAt", sent_at AS "sentAt", failed_at AS "failedAt",
           last_error AS "lastError", provider, provider_message_id AS "providerMessageId",
           delivery_status AS "deliveryStatus", delivery_error_code AS "deliveryErrorCode"
         FROM customer_callback_notifications
         WHERE callback_id = $1::uuid ORDER BY due_at, kind, recipient`,
        [callbackId],
      ),
    );
    return rows as never;
  }
}
