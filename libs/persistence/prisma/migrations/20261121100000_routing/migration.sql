-- Work-item router: queues, agents, memberships, work items, offers, transfer history.

CREATE TABLE "queues" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "offer_timeout_seconds" INTEGER NOT NULL DEFAULT 30,
    "priority_handling" TEXT NOT NULL DEFAULT 'priority',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "queues_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "queues_tenant_id_name_key" ON "queues"("tenant_id", "name");
CREATE INDEX "queues_tenant_id_active_idx" ON "queues"("tenant_id", "active");

CREATE TABLE "agents" (
    "tenant_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "presence" TEXT NOT NULL DEFAULT 'offline',
    "presence_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "idle_since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "auto_accept" BOOLEAN NOT NULL DEFAULT false,
    "capacity_chat" INTEGER NOT NULL DEFAULT 1,
    "capacity_call" INTEGER NOT NULL DEFAULT 1,
    "load_chat" INTEGER NOT NULL DEFAULT 0,
    "load_call" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "agents_pkey" PRIMARY KEY ("tenant_id", "id"),
    -- SQL-only guard: a release never drives the load counters below zero.
    CONSTRAINT "agents_load_non_negative" CHECK ("load_chat" >= 0 AND "load_call" >= 0)
);
CREATE INDEX "agents_tenant_id_presence_idx" ON "agents"("tenant_id", "presence");

CREATE TABLE "agent_queues" (
    "tenant_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "queue_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "agent_queues_pkey" PRIMARY KEY ("tenant_id", "agent_id", "queue_id")
);
CREATE INDEX "agent_queues_queue_id_idx" ON "agent_queues"("queue_id");

CREATE TABLE "work_items" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "handoff_id" UUID,
    "conversation_id" TEXT NOT NULL,
    "integration_id" UUID,
    "type" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "queue_id" UUID,
    "agent_id" TEXT,
    "queue_resolution" INTEGER,
    "routing" JSONB NOT NULL DEFAULT '{}',
    "end_reason" TEXT,
    "channel" TEXT NOT NULL,
    "transcript" JSONB NOT NULL DEFAULT '[]',
    "summary" TEXT,
    "summary_source" TEXT NOT NULL,
    "intent" TEXT,
    "escalation_reason" TEXT,
    "sentiment" DOUBLE PRECISION,
    "sentiment_source" TEXT NOT NULL,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "contact" JSONB NOT NULL DEFAULT '{}',
    "wrap_up_note" TEXT,
    "wrap_up_disposition" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "enqueued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "assigned_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "work_items_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "work_items_tenant_id_status_idx" ON "work_items"("tenant_id", "status");
CREATE INDEX "work_items_queue_id_status_enqueued_at_idx" ON "work_items"("queue_id", "status", "enqueued_at");
CREATE INDEX "work_items_tenant_id_agent_id_status_idx" ON "work_items"("tenant_id", "agent_id", "status");
CREATE INDEX "work_items_tenant_id_conversation_id_idx" ON "work_items"("tenant_id", "conversation_id");

CREATE TABLE "offers" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "work_item_id" UUID NOT NULL,
    "agent_id" TEXT NOT NULL,
    "queue_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "reason" TEXT,
    CONSTRAINT "offers_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "offers_status_expires_at_idx" ON "offers"("status", "expires_at");
CREATE INDEX "offers_work_item_id_agent_id_idx" ON "offers"("work_item_id", "agent_id");
CREATE INDEX "offers_tenant_id_agent_id_status_idx" ON "offers"("tenant_id", "agent_id", "status");
-- SQL-only guard: at most one live offer per work item (one agent per work item).
CREATE UNIQUE INDEX "offers_one_live_per_work_item" ON "offers"("work_item_id") WHERE "status" = 'live';

CREATE TABLE "work_item_transfers" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "work_item_id" UUID NOT NULL,
    "from_queue_id" UUID,
    "to_queue_id" UUID NOT NULL,
    "by_agent_id" TEXT NOT NULL,
    "from_agent_id" TEXT,
    "reason" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "work_item_transfers_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "work_item_transfers_work_item_id_at_idx" ON "work_item_transfers"("work_item_id", "at");

ALTER TABLE "agent_queues" ADD CONSTRAINT "agent_queues_tenant_id_agent_id_fkey" FOREIGN KEY ("tenant_id", "agent_id") REFERENCES "agents"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "agent_queues" ADD CONSTRAINT "agent_queues_queue_id_fkey" FOREIGN KEY ("queue_id") REFERENCES "queues"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "work_items" ADD CONSTRAINT "work_items_queue_id_fkey" FOREIGN KEY ("queue_id") REFERENCES "queues"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "work_items" ADD CONSTRAINT "work_items_tenant_id_agent_id_fkey" FOREIGN KEY ("tenant_id", "agent_id") REFERENCES "agents"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "offers" ADD CONSTRAINT "offers_work_item_id_fkey" FOREIGN KEY ("work_item_id") REFERENCES "work_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "work_item_transfers" ADD CONSTRAINT "work_item_transfers_work_item_id_fkey" FOREIGN KEY ("work_item_id") REFERENCES "work_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- "A default queue is created automatically" (seed 000): whoever inserts a tenant row, the tenant
-- gets its "Default" queue (is_default) in the same transaction.
CREATE FUNCTION hub_tenant_default_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "queues" ("id", "tenant_id", "name", "is_default")
  VALUES (gen_random_uuid(), NEW."id", 'Default', true)
  ON CONFLICT ("tenant_id", "name") DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER tenants_default_queue AFTER INSERT ON "tenants"
  FOR EACH ROW EXECUTE FUNCTION hub_tenant_default_queue();

-- Tenants that existed before this migration get theirs too.
INSERT INTO "queues" ("id", "tenant_id", "name", "is_default")
SELECT gen_random_uuid(), t."id", 'Default', true FROM "tenants" t
ON CONFLICT ("tenant_id", "name") DO NOTHING;
