-- Self-service secure forms (issue 11 part 1, docs/forms.md). Owner: apps/handoff-orchestrator (src/forms).

-- A tenant's form template: fields (types, validation, `sensitive`), where the form is filled in (hub-hosted
-- page or the tenant's own URL) and where submissions are sent (the tenant's webhook).
CREATE TABLE "form_templates" (
  "id" UUID NOT NULL,
  "tenant_id" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "title" TEXT NOT NULL,
  "description" TEXT,
  -- FormFieldSchema[] (apps/handoff-orchestrator/src/forms/form.schemas.ts)
  "fields" JSONB NOT NULL,
  -- { "type": "hosted" } | { "type": "external", "url": "https://…" }
  "target" JSONB NOT NULL,
  "webhook_url" TEXT NOT NULL,
  "link_ttl_seconds" INTEGER NOT NULL DEFAULT 86400,
  -- the internal note posted to the conversation on submit ("form address-change submitted")
  "note_text" TEXT,
  "revision" INTEGER NOT NULL DEFAULT 1,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "form_templates_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "form_templates_ttl_check" CHECK ("link_ttl_seconds" BETWEEN 60 AND 604800)
);
CREATE UNIQUE INDEX "form_templates_tenant_name_key" ON "form_templates" ("tenant_id", "name");

-- One issued link (send_secure_form). The link's JWT `jti` is stored only as its SHA-256; the prefilled data
-- stays here, never in the URL. Single use: `consumed_at` is set once, by
-- `UPDATE … WHERE consumed_at IS NULL AND expires_at > now() RETURNING` (a second submit updates no row).
CREATE TABLE "form_links" (
  "id" UUID NOT NULL,
  "tenant_id" TEXT NOT NULL,
  "template_id" UUID NOT NULL,
  "jti_hash" BYTEA NOT NULL,
  "conversation_id" TEXT,
  "handoff_id" UUID,
  "decision_id" UUID,
  "prefilled" JSONB NOT NULL DEFAULT '{}',
  "return_url" TEXT,
  "template_revision" INTEGER NOT NULL,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "consumed_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "form_links_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "form_links_template_fkey" FOREIGN KEY ("template_id") REFERENCES "form_templates" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "form_links_jti_hash_key" ON "form_links" ("tenant_id", "jti_hash");
CREATE INDEX "form_links_conversation_idx" ON "form_links" ("tenant_id", "conversation_id");

-- One accepted submission and its durable webhook delivery to the tenant's backend (like callback_deliveries).
-- The submitted values (sensitive ones included) are envelope-encrypted (AES-256-GCM, data key wrapped by the
-- integrations' KEK, AAD = tenant + `form-submission/<id>`). One submission per link (unique link_id). No
-- foreign key to form_links on purpose: deleting a template deletes its links, never a pending delivery.
CREATE TABLE "form_submissions" (
  "id" UUID NOT NULL,
  "tenant_id" TEXT NOT NULL,
  "link_id" UUID NOT NULL,
  "template_id" UUID NOT NULL,
  "webhook_url" TEXT NOT NULL,
  "data_ciphertext" BYTEA NOT NULL,
  "data_iv" BYTEA NOT NULL,
  "data_tag" BYTEA NOT NULL,
  "data_wrapped_key" BYTEA NOT NULL,
  "data_key_id" TEXT NOT NULL,
  -- pending | delivered | failed
  "status" TEXT NOT NULL DEFAULT 'pending',
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "last_error" TEXT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "delivered_at" TIMESTAMPTZ(3),
  CONSTRAINT "form_submissions_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "form_submissions_status_check" CHECK ("status" IN ('pending', 'delivered', 'failed'))
);
CREATE UNIQUE INDEX "form_submissions_link_key" ON "form_submissions" ("link_id");
CREATE INDEX "form_submissions_due_idx" ON "form_submissions" ("status", "next_attempt_at");

SELECT hub_apply_tenant_rls();

-- System path (docs/security/tenancy.md): leases up to p_limit due pending form webhooks of every tenant for
-- p_lease_ms (attempts + 1) and returns (tenant_id, id); the sender then reads each inside its tenant.
CREATE FUNCTION hub_lease_form_submissions(p_limit integer, p_lease_ms float8)
RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  UPDATE form_submissions d SET attempts = d.attempts + 1,
    next_attempt_at = now() + make_interval(secs => p_lease_ms / 1000)
  WHERE d.id IN (
    SELECT c.id FROM form_submissions c WHERE c.status = 'pending' AND c.next_attempt_at <= now()
    ORDER BY c.next_attempt_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
  RETURNING d.tenant_id, d.id
$$;
GRANT SELECT, UPDATE ON "form_submissions" TO hub_rls_definer;
ALTER FUNCTION hub_lease_form_submissions(integer, float8) OWNER TO hub_rls_definer;
REVOKE ALL ON FUNCTION hub_lease_form_submissions(integer, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub_lease_form_submissions(integer, float8) TO hub_app;
