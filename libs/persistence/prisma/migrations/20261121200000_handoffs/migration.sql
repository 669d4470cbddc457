-- Handoff orchestrator: handoffs, their transitions (audit trail), callback deliveries.
CREATE TABLE "handoffs" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "integration_id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "intake" TEXT NOT NULL,
    "bot_session_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "routing" JSONB NOT NULL DEFAULT '{}',
    "transcript" JSONB NOT NULL DEFAULT '[]',
    "intent" TEXT,
    "escalation_reason" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "contact" JSONB NOT NULL DEFAULT '{}',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "summary" TEXT,
    "summary_source" TEXT NOT NULL,
    "sentiment" DOUBLE PRECISION,
    "sentiment_source" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "detail" TEXT,
    "work_item_id" UUID NOT NULL,
    "queue_id" UUID,
    "agent_id" TEXT,
    "callback_url" TEXT,
    "timeout_seconds" INTEGER,
    "timeout_at" TIMESTAMPTZ(3),
    "withdraw_requested_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "routed_at" TIMESTAMPTZ(3),
    "offered_at" TIMESTAMPTZ(3),
    "accepted_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    CONSTRAINT "handoffs_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "handoffs_work_item_id_key" ON "handoffs"("work_item_id");
CREATE UNIQUE INDEX "handoffs_tenant_id_idempotency_key_key" ON "handoffs"("tenant_id", "idempotency_key");
CREATE INDEX "handoffs_tenant_id_conversation_id_idx" ON "handoffs"("tenant_id", "conversation_id");
CREATE INDEX "handoffs_status_timeout_at_idx" ON "handoffs"("status", "timeout_at");

CREATE TABLE "handoff_transitions" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "handoff_id" UUID NOT NULL,
    "from_status" TEXT,
    "to_status" TEXT NOT NULL,
    "reason" TEXT,
    "detail" TEXT,
    "event_id" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "handoff_transitions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "handoff_transitions_handoff_id_at_idx" ON "handoff_transitions"("handoff_id", "at");
ALTER TABLE "handoff_transitions" ADD CONSTRAINT "handoff_transitions_handoff_id_fkey"
    FOREIGN KEY ("handoff_id") REFERENCES "handoffs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "callback_deliveries" (
    "id" UUID NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "handoff_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),
    CONSTRAINT "callback_deliveries_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "callback_deliveries_event_id_key" ON "callback_deliveries"("event_id");
CREATE INDEX "callback_deliveries_status_next_attempt_at_idx" ON "callback_deliveries"("status", "next_attempt_at");
