-- Dead-letter redrives (issue 15, event inspector). Owner: apps/ops-service (src/redrive).
-- One row per dead letter (DLQ topic + partition + offset) that an operator sent back to its topic: the
-- audit trail (who, when, why it had failed) and the idempotency key of the redrive action. `status`
-- is `pending` while the message is being produced and `done` once Kafka acknowledged it, so a crash
-- between the two is finished by the next request for the same dead letter (the consumers' inbox
-- dedupes the event id if it was in fact produced).
CREATE TABLE "dead_letter_redrives" (
  "tenant_id" TEXT NOT NULL,
  "dlq_topic" TEXT NOT NULL,
  "dlq_partition" INTEGER NOT NULL,
  "dlq_offset" TEXT NOT NULL,
  "event_id" TEXT,
  "original_topic" TEXT NOT NULL,
  "reason" TEXT NOT NULL,
  "error" TEXT,
  "status" TEXT NOT NULL DEFAULT 'pending',
  -- the credential that asked for it: `apikey:<id>`, `oauth:<sub>`, `platform-admin`
  "requested_by" TEXT NOT NULL,
  "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "redriven_at" TIMESTAMPTZ(3),
  CONSTRAINT "dead_letter_redrives_pkey" PRIMARY KEY ("tenant_id", "dlq_topic", "dlq_partition", "dlq_offset"),
  CONSTRAINT "dead_letter_redrives_status_check" CHECK ("status" IN ('pending', 'done'))
);
CREATE INDEX "dead_letter_redrives_tenant_requested_idx" ON "dead_letter_redrives" ("tenant_id", "requested_at" DESC);

SELECT hub_apply_tenant_rls();
