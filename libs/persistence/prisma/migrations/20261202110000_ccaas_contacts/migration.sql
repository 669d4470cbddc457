-- Escalation to external contact centers (issue 9, docs/ccaas.md): the handoff's target and the
-- platform-side contact of an external handoff. Owner: apps/handoff-orchestrator (src/ccaas).

-- Which target a handoff went to: `internal` (the work-item router) or the external integration type
-- (`amazon_connect`, `genesys_cloud`, `eightbyeight_cc` …), fixed at intake.
ALTER TABLE "handoffs" ADD COLUMN "target" TEXT NOT NULL DEFAULT 'internal';

-- One row per external handoff whose platform contact was created. The adapter's state (participant and
-- connection tokens …) is envelope-encrypted like integration secrets (AES-256-GCM data key wrapped by the
-- KEK; AAD binds it to tenant + handoff).
CREATE TABLE "ccaas_contacts" (
  "handoff_id" UUID NOT NULL,
  "tenant_id" TEXT NOT NULL,
  "integration_id" UUID NOT NULL,
  "target" TEXT NOT NULL,
  "conversation_id" TEXT NOT NULL,
  "external_contact_id" TEXT NOT NULL,
  "state_ciphertext" BYTEA NOT NULL,
  "state_iv" BYTEA NOT NULL,
  "state_tag" BYTEA NOT NULL,
  "state_wrapped_key" BYTEA NOT NULL,
  "state_key_id" TEXT NOT NULL,
  -- open | ended
  "status" TEXT NOT NULL DEFAULT 'open',
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "ended_at" TIMESTAMPTZ(3),
  CONSTRAINT "ccaas_contacts_pkey" PRIMARY KEY ("handoff_id"),
  CONSTRAINT "ccaas_contacts_handoff_fkey" FOREIGN KEY ("handoff_id") REFERENCES "handoffs" ("id") ON DELETE CASCADE,
  CONSTRAINT "ccaas_contacts_status_check" CHECK ("status" IN ('open', 'ended'))
);
CREATE UNIQUE INDEX "ccaas_contacts_external_key" ON "ccaas_contacts" ("tenant_id", "integration_id", "external_contact_id");
CREATE INDEX "ccaas_contacts_conversation_idx" ON "ccaas_contacts" ("tenant_id", "conversation_id") WHERE "status" = 'open';

SELECT hub_apply_tenant_rls();

-- System path (docs/security/tenancy.md): (tenant_id, handoff_id) of open contacts of every tenant, for the
-- bridge supervisor that (re)opens the vendor streams (Connect's participant websocket) a replica holds.
CREATE FUNCTION hub_open_ccaas_contacts(p_limit integer) RETURNS TABLE (tenant_id text, handoff_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT c.tenant_id, c.handoff_id FROM ccaas_contacts c WHERE c.status = 'open'
  ORDER BY c.created_at LIMIT p_limit
$$;
GRANT SELECT ON "ccaas_contacts" TO hub_rls_definer;
ALTER FUNCTION hub_open_ccaas_contacts(integer) OWNER TO hub_rls_definer;
REVOKE ALL ON FUNCTION hub_open_ccaas_contacts(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub_open_ccaas_contacts(integer) TO hub_app;
