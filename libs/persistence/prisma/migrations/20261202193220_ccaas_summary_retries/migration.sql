-- Durable retries of the Genesys wrap-up note ("save summary", issue 9, docs/ccaas.md). Owner:
-- apps/handoff-orchestrator (src/ccaas). The retry schedule is a deadline column fired by the handoff timer loop
-- (HandoffTimerService), which writes a `save_summary` command into the outbox in the same transaction that clears it.

-- NULL: no summary to save | pending: a save is due or running | saved | failed (given up: invalid, or attempts spent)
ALTER TABLE "ccaas_contacts" ADD COLUMN "summary_status" TEXT;
ALTER TABLE "ccaas_contacts" ADD COLUMN "summary_attempts" INTEGER NOT NULL DEFAULT 0;
-- When the next durable attempt is due (NULL: none scheduled).
ALTER TABLE "ccaas_contacts" ADD COLUMN "summary_retry_at" TIMESTAMPTZ(3);
-- The last failure, redacted (vendor text as the adapters' TargetError messages carry it).
ALTER TABLE "ccaas_contacts" ADD COLUMN "summary_error" TEXT;
ALTER TABLE "ccaas_contacts" ADD CONSTRAINT "ccaas_contacts_summary_status_check"
  CHECK ("summary_status" IS NULL OR "summary_status" IN ('pending', 'saved', 'failed'));
CREATE INDEX "ccaas_contacts_summary_retry_idx" ON "ccaas_contacts" ("summary_retry_at")
  WHERE "summary_retry_at" IS NOT NULL;

-- System path (docs/security/tenancy.md): (tenant_id, handoff_id) of every tenant's due summary retries, for the timer
-- loop; each is then claimed inside its tenant (conditional UPDATE: one replica wins).
CREATE FUNCTION hub_due_ccaas_summaries(p_limit integer) RETURNS TABLE (tenant_id text, handoff_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT c.tenant_id, c.handoff_id FROM ccaas_contacts c
  WHERE c.summary_retry_at IS NOT NULL AND c.summary_retry_at <= now()
  ORDER BY c.summary_retry_at LIMIT p_limit
$$;
ALTER FUNCTION hub_due_ccaas_summaries(integer) OWNER TO hub_rls_definer;
REVOKE ALL ON FUNCTION hub_due_ccaas_summaries(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub_due_ccaas_summaries(integer) TO hub_app;
