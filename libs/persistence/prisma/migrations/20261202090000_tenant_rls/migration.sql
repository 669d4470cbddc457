-- Tenancy by one mechanism: PostgreSQL row-level security on every tenant-owned table
-- (docs/security/tenancy.md). Runs as the schema owner (the migration role).
--
-- Roles (cluster-wide, shared by every database of the cluster; created idempotently and race-safely —
-- two databases migrating at once may both try, the loser gets duplicate_object / unique_violation):
--   hub_app          LOGIN, no BYPASSRLS: what the services connect as (DATABASE_URL).
--   hub_rls_definer  NOLOGIN, BYPASSRLS: owns the few SECURITY DEFINER functions below that system jobs use
--                    to find due rows of every tenant. Nobody can log in as it.
-- Where the migration role may not create roles (managed PostgreSQL), the DBA creates them first
-- (docs/security/tenancy.md "Roles"); the GRANTs below then fail loudly if they are missing.
DO $$
BEGIN
  BEGIN
    CREATE ROLE hub_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role hub_app: create it as the DBA';
  END;
  BEGIN
    CREATE ROLE hub_rls_definer NOLOGIN NOSUPERUSER BYPASSRLS;
  EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role hub_rls_definer: create it as the DBA';
  END;
END $$;

-- Privileges of the runtime role: data only (no DDL), on every table of the schema, now and later
-- (default privileges cover the tables that later migrations of the same owner create).
GRANT USAGE ON SCHEMA public TO hub_app, hub_rls_definer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO hub_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO hub_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hub_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO hub_app;
REVOKE ALL ON "_prisma_migrations" FROM hub_app;

-- Tables without RLS, with the reason (docs/security/tenancy.md "Not tenant-owned"). The guard test
-- (libs/persistence/test/persistence.integration-spec.ts) fails for any other table without RLS.
CREATE OR REPLACE FUNCTION hub_rls_exempt_tables() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY[
    '_prisma_migrations', -- migration bookkeeping; the runtime role has no access at all
    'tenants',            -- the tenant registry itself (platform admin; read by id to check a tenant exists)
    'processed_events',   -- inbox: keyed by consumer + event id, no tenant column
    'outbox_events'       -- delivery queue: written only next to RLS-checked rows, read by the relay for all tenants
  ]::text[]
$$;

-- Enables + forces RLS with the policy `hub_tenant_isolation` on every table of the current schema that
-- has a tenant_id column (tenant = current_setting('hub.tenant_id', true), set per transaction with
-- SET LOCAL / set_config(…, true)), and on every table that belongs to a knowledge base without a
-- tenant column of its own (knowledge_base_id IN the tenant's visible knowledge bases). Idempotent: a
-- later migration that adds tables re-runs it with one line: `SELECT hub_apply_tenant_rls();`.
-- Returns the number of tables covered.
CREATE OR REPLACE FUNCTION hub_apply_tenant_rls() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  FOR r IN
    SELECT c.table_name,
           bool_or(c.column_name = 'tenant_id') AS has_tenant,
           bool_or(c.column_name = 'knowledge_base_id') AS has_kb
    FROM information_schema.columns c
    JOIN information_schema.tables t
      ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = current_schema()
      AND c.column_name IN ('tenant_id', 'knowledge_base_id')
      AND c.table_name <> ALL (hub_rls_exempt_tables())
    GROUP BY c.table_name
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', r.table_name);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', r.table_name);
    EXECUTE format('DROP POLICY IF EXISTS hub_tenant_isolation ON %I', r.table_name);
    IF r.has_tenant THEN
      EXECUTE format(
        'CREATE POLICY hub_tenant_isolation ON %I '
        'USING (tenant_id = current_setting(''hub.tenant_id'', true)) '
        'WITH CHECK (tenant_id = current_setting(''hub.tenant_id'', true))',
        r.table_name);
    ELSE
      -- knowledge_bases is itself under RLS, so the sub-select sees only the tenant's knowledge bases.
      EXECUTE format(
        'CREATE POLICY hub_tenant_isolation ON %I '
        'USING (knowledge_base_id IN (SELECT id FROM knowledge_bases)) '
        'WITH CHECK (knowledge_base_id IN (SELECT id FROM knowledge_bases))',
        r.table_name);
    END IF;
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;

SELECT hub_apply_tenant_rls();

-- A new tenant's default queue is written by a trigger on `tenants` (the platform admin's transaction has
-- no tenant set): the trigger function runs as its owner.
ALTER FUNCTION hub_tenant_default_queue() SECURITY DEFINER SET search_path = public, pg_catalog;
ALTER FUNCTION hub_tenant_default_queue() OWNER TO hub_rls_definer;
GRANT SELECT, INSERT ON "queues" TO hub_rls_definer;

-- ---------------------------------------------------------------------------------------------------
-- System paths (docs/security/tenancy.md "System paths"): SECURITY DEFINER functions owned by
-- hub_rls_definer that return only what a job needs to find its work across tenants — (tenant_id, id)
-- of due rows, a timestamp, an owner — after which the job acts inside a tenant-scoped transaction.
-- ---------------------------------------------------------------------------------------------------

-- Router offer expiry: live offers that are due, oldest first.
CREATE FUNCTION hub_due_offers(p_limit integer) RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT o.tenant_id, o.id FROM offers o
  WHERE o.status = 'live' AND o.expires_at <= clock_timestamp()
  ORDER BY o.expires_at LIMIT p_limit
$$;

-- Router offer expiry: the earliest expiry among live offers (any tenant), or NULL.
CREATE FUNCTION hub_next_offer_expiry() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT min(expires_at) FROM offers WHERE status = 'live'
$$;

-- Router create-time probe: the tenant owning work item `p_id` (ids are global keys), or NULL, so a
-- create naming another tenant's id is refused without reading anything else of it.
CREATE FUNCTION hub_work_item_owner(p_id uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT tenant_id FROM work_items WHERE id = p_id
$$;

-- Orchestrator durable timers: locks (FOR UPDATE SKIP LOCKED, held by the caller's transaction) up to
-- p_limit handoffs whose timeout passed in one of p_states, and up to p_limit withdrawing handoffs whose
-- grace (p_grace_ms) ran out; the caller then reads and changes each with its own tenant set.
CREATE FUNCTION hub_lock_due_handoffs(p_states text[], p_limit integer, p_grace_ms float8)
RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  WITH due AS (
    SELECT h.tenant_id, h.id FROM handoffs h
    WHERE h.status = ANY(p_states) AND h.timeout_at <= now()
    ORDER BY h.timeout_at LIMIT p_limit FOR UPDATE SKIP LOCKED
  ), grace AS (
    SELECT h.tenant_id, h.id FROM handoffs h
    WHERE h.status = 'withdrawing' AND h.withdraw_requested_at <= now() - make_interval(secs => p_grace_ms / 1000)
    ORDER BY h.withdraw_requested_at LIMIT p_limit FOR UPDATE SKIP LOCKED
  )
  SELECT * FROM due UNION ALL SELECT * FROM grace
$$;

-- Orchestrator durable timers: the earliest pending timer of any tenant, or NULL.
CREATE FUNCTION hub_next_handoff_timer(p_states text[], p_grace_ms float8) RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT LEAST(
    (SELECT min(timeout_at) FROM handoffs WHERE status = ANY(p_states) AND timeout_at IS NOT NULL),
    (SELECT min(withdraw_requested_at) FROM handoffs WHERE status = 'withdrawing')
      + make_interval(secs => p_grace_ms / 1000))
$$;

-- Orchestrator callbacks: leases up to p_limit due pending deliveries for p_lease_ms (attempts + 1,
-- next_attempt_at moved past the attempt) and returns (tenant_id, id) of each; the sender reads the
-- delivery and records its result inside the delivery's tenant.
CREATE FUNCTION hub_lease_callback_deliveries(p_limit integer, p_lease_ms float8)
RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  UPDATE callback_deliveries d SET attempts = d.attempts + 1,
    next_attempt_at = now() + make_interval(secs => p_lease_ms / 1000)
  WHERE d.id IN (
    SELECT c.id FROM callback_deliveries c WHERE c.status = 'pending' AND c.next_attempt_at <= now()
    ORDER BY c.next_attempt_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
  RETURNING d.tenant_id, d.id
$$;

-- Connectors: (tenant_id, id) of the enabled integrations of one type (8x8 readers, AudioHook API key
-- table); the connector then reads each integration inside its tenant.
CREATE FUNCTION hub_enabled_integrations(p_type text) RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT i.tenant_id, i.id FROM integrations i WHERE i.type = p_type AND i.enabled ORDER BY i.id
$$;

-- @hub/integrations: the (tenant_id, id) of the enabled integration of a type whose vendor identifier
-- (`selector`: CCAI subscription, AudioHook API key hash, 8x8 host/tenant; unique per type, migration
-- 20261202020000) is the given one — how a connector learns the tenant of an incoming stream.
CREATE FUNCTION hub_integration_by_selector(p_type text, p_selector text) RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT i.tenant_id, i.id FROM integrations i
  WHERE i.type = p_type AND i.selector = p_selector AND i.enabled
$$;

-- @hub/integrations: the tenant of integration `p_id` of type `p_type` (operator endpoints that name an
-- integration but no tenant, e.g. connector-ccai's admin API), or NULL.
CREATE FUNCTION hub_integration_owner(p_id uuid, p_type text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT tenant_id FROM integrations WHERE id = p_id AND type = p_type
$$;

-- @hub/integrations `secrets:rotate`: (tenant_id, id) of the rows still holding plaintext legacy secrets
-- or a data key wrapped by another KEK than `p_key_id`; each row is then re-sealed inside its tenant.
CREATE FUNCTION hub_integrations_to_rotate(p_key_id text) RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT i.tenant_id, i.id FROM integrations i
  WHERE i.legacy_secrets IS NOT NULL OR (i.secrets_key_id IS NOT NULL AND i.secrets_key_id <> p_key_id)
  ORDER BY i.id
$$;

-- @hub/auth: the API key with this public prefix (a credential is looked up before its tenant is known);
-- the caller compares the secret's hash in constant time and then acts inside the key's tenant.
CREATE FUNCTION hub_api_key_by_prefix(p_prefix text) RETURNS SETOF api_keys
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT * FROM api_keys WHERE prefix = p_prefix
$$;

-- @hub/auth: records the last use of an API key (throttled by the caller).
CREATE FUNCTION hub_touch_api_key(p_id uuid, p_at timestamptz) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  UPDATE api_keys SET last_used_at = p_at WHERE id = p_id
$$;

GRANT SELECT ON "offers", "work_items", "integrations" TO hub_rls_definer;
GRANT SELECT, UPDATE ON "api_keys" TO hub_rls_definer;
GRANT SELECT, UPDATE ON "handoffs", "callback_deliveries" TO hub_rls_definer;

DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY[
    'hub_due_offers(integer)', 'hub_next_offer_expiry()', 'hub_work_item_owner(uuid)',
    'hub_lock_due_handoffs(text[], integer, float8)', 'hub_next_handoff_timer(text[], float8)',
    'hub_lease_callback_deliveries(integer, float8)', 'hub_enabled_integrations(text)',
    'hub_integration_by_selector(text, text)', 'hub_integration_owner(uuid, text)',
    'hub_integrations_to_rotate(text)', 'hub_api_key_by_prefix(text)', 'hub_touch_api_key(uuid, timestamptz)'
  ] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO hub_rls_definer', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO hub_app', f);
  END LOOP;
END $$;

-- Vendor identifiers that select a tenant are unique: `integrations_type_selector_key` (migration
-- 20261202020000) on the normalised `selector` column.

