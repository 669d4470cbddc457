-- Scheduled customer callbacks (issue 11 §3, seed 003, docs/callbacks.md). Owner: apps/handoff-orchestrator
-- (src/customer-callbacks). Not to be confused with the bot webhook deliveries (src/bot-webhooks).

-- `=` on text/uuid inside a GiST exclusion constraint.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Per team (= router queue) callback settings: the team's IANA zone and weekly hours, slot grid, buffers,
-- minimum notice, durations per channel, the calendar integration (NULL = queue model), the soft SLA of the
-- queue model.
CREATE TABLE "callback_teams" (
  "tenant_id" TEXT NOT NULL,
  "queue_id" UUID NOT NULL,
  "zone" TEXT NOT NULL,
  -- @hub/scheduling business hours of the callback team: weekly [{ "day": 1..7, "start": "HH:mm", "end": "HH:mm" }],
  -- date overrides [{ "date", "closed" | "intervals" }], holidays { "country", "state", "types" } (date-holidays)
  "weekly_hours" JSONB NOT NULL,
  "date_overrides" JSONB NOT NULL DEFAULT '[]',
  "holidays" JSONB,
  "slot_interval_min" INTEGER NOT NULL DEFAULT 15,
  "buffer_min" INTEGER NOT NULL DEFAULT 0,
  "min_notice_min" INTEGER NOT NULL DEFAULT 60,
  -- { "voice": 15, "video": 30, "chat": 30 }
  "durations" JSONB NOT NULL,
  "calendar_integration_id" UUID,
  "queue_sla_min" INTEGER NOT NULL DEFAULT 60,
  "agent_email" TEXT,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "callback_teams_pkey" PRIMARY KEY ("tenant_id", "queue_id")
);

-- One row per booking. A reschedule closes the row (`rescheduled`) and books a new one (`rescheduled_from`).
-- No double booking: two `booked` rows of one team never overlap — a database constraint, so it holds for
-- parallel requests and any number of replicas (the loser gets 23P01 → 409).
CREATE TABLE "customer_callbacks" (
  "id" UUID NOT NULL,
  "tenant_id" TEXT NOT NULL,
  "queue_id" UUID NOT NULL,
  "customer_id" TEXT NOT NULL,
  "conversation_id" TEXT,
  "decision_id" UUID,
  -- the bot's integration (type internal): at the slot time the callback becomes a handoff through it
  "integration_id" UUID,
  -- voice | video | chat (validated by the API's schema)
  "channel" TEXT NOT NULL,
  "starts_at" TIMESTAMPTZ(3) NOT NULL,
  "ends_at" TIMESTAMPTZ(3) NOT NULL,
  "slot" TSTZRANGE GENERATED ALWAYS AS (tstzrange("starts_at", "ends_at", '[)')) STORED,
  -- booked | completed | missed | rescheduled | canceled
  "status" TEXT NOT NULL DEFAULT 'booked',
  "customer_name" TEXT,
  "customer_email" TEXT,
  "customer_phone" TEXT,
  "context" JSONB NOT NULL DEFAULT '{}',
  "calendar_event_id" TEXT,
  "rescheduled_from" UUID,
  "sequence" INTEGER NOT NULL DEFAULT 0,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "customer_callbacks_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "customer_callbacks_status_check" CHECK ("status" IN ('booked', 'completed', 'missed', 'rescheduled', 'canceled')),
  -- (the API always books end > start; an empty range would overlap nothing)
  CONSTRAINT "customer_callbacks_range_check" CHECK ("ends_at" >= "starts_at"),
  CONSTRAINT "customer_callbacks_no_double_booking" EXCLUDE USING gist ("tenant_id" WITH =, "queue_id" WITH =, "slot" WITH &&) WHERE ("status" = 'booked')
);
CREATE INDEX "customer_callbacks_decision_idx" ON "customer_callbacks" ("tenant_id", "decision_id");
CREATE INDEX "customer_callbacks_team_idx" ON "customer_callbacks" ("tenant_id", "queue_id", "starts_at");

-- Durable notifications of a booking (confirmation, reminder, cancellation; e-mail or SMS): rows with a due
-- time, claimed FOR UPDATE SKIP LOCKED and marked sent in the same transaction, so a reminder survives a
-- restart and replicas never send one twice. A reschedule or cancel deletes the unsent reminder.
CREATE TABLE "customer_callback_notifications" (
  "id" UUID NOT NULL,
  "tenant_id" TEXT NOT NULL,
  "callback_id" UUID NOT NULL,
  -- confirmation | reminder | cancellation | work_item (the slot-time handoff; written by the booking use cases only)
  "kind" TEXT NOT NULL,
  -- customer | agent | queue
  "recipient" TEXT NOT NULL,
  -- email | sms | handoff
  "medium" TEXT NOT NULL,
  "due_at" TIMESTAMPTZ(3) NOT NULL,
  "sent_at" TIMESTAMPTZ(3),
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "last_error" TEXT,
  CONSTRAINT "customer_callback_notifications_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "customer_callback_notifications_callback_fkey" FOREIGN KEY ("callback_id") REFERENCES "customer_callbacks" ("id") ON DELETE CASCADE,
  CONSTRAINT "customer_callback_notifications_once" UNIQUE ("callback_id", "kind", "recipient", "medium")
);
CREATE INDEX "customer_callback_notifications_due_idx" ON "customer_callback_notifications" ("due_at") WHERE "sent_at" IS NULL;

SELECT hub_apply_tenant_rls();

-- System path (docs/security/tenancy.md): (tenant_id, id) of unsent notifications that are due, for the
-- notification dispatcher, which then claims each row inside its tenant.
CREATE FUNCTION hub_due_callback_notifications(p_limit integer) RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT n.tenant_id, n.id FROM customer_callback_notifications n
  WHERE n.sent_at IS NULL AND n.due_at <= clock_timestamp() AND n.attempts < 10
  ORDER BY n.due_at LIMIT p_limit
$$;
GRANT SELECT ON "customer_callback_notifications" TO hub_rls_definer;
ALTER FUNCTION hub_due_callback_notifications(integer) OWNER TO hub_rls_definer;
REVOKE ALL ON FUNCTION hub_due_callback_notifications(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub_due_callback_notifications(integer) TO hub_app;
