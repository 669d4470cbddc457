-- Targeted routing and per-agent callbacks (issue 11 §3 "to the assigned agent"; docs/routing.md
-- "Targeted routing", docs/callbacks.md "Team members").

-- Router (owner: apps/work-item-router): a work item may name a preferred agent (`routing.agent_id`).
-- While the target is active the item is offered only to that agent: until `target_until` (database
-- clock), or for good with `target_strict`. A fallback clears `target_agent_id`; the request stays in
-- `routing`.
ALTER TABLE "work_items"
  ADD COLUMN "target_agent_id" TEXT,
  ADD COLUMN "target_until" TIMESTAMPTZ(3),
  ADD COLUMN "target_strict" BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX "work_items_target_fallback_idx" ON "work_items" ("target_until")
  WHERE "target_agent_id" IS NOT NULL AND NOT "target_strict" AND "status" = 'waiting';

-- System path (docs/security/tenancy.md): waiting items whose non-strict target wait ran out, any tenant,
-- for the router's fallback scan; each fallback then runs in the item's tenant.
CREATE FUNCTION hub_due_target_fallbacks(p_limit integer) RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT w.tenant_id, w.id FROM work_items w
  WHERE w.target_agent_id IS NOT NULL AND NOT w.target_strict AND w.status = 'waiting'
    AND w.target_until <= clock_timestamp()
  ORDER BY w.target_until LIMIT p_limit
$$;
-- The earliest pending fallback (any tenant), or NULL.
CREATE FUNCTION hub_next_target_fallback() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT min(target_until) FROM work_items
  WHERE target_agent_id IS NOT NULL AND NOT target_strict AND status = 'waiting'
$$;
ALTER FUNCTION hub_due_target_fallbacks(integer) OWNER TO hub_rls_definer;
ALTER FUNCTION hub_next_target_fallback() OWNER TO hub_rls_definer;
REVOKE ALL ON FUNCTION hub_due_target_fallbacks(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION hub_next_target_fallback() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub_due_target_fallbacks(integer) TO hub_app;
GRANT EXECUTE ON FUNCTION hub_next_target_fallback() TO hub_app;

-- Orchestrator (owner: apps/handoff-orchestrator, src/customer-callbacks): the members of a callback team
-- (router agents of the team's queue), each with an optional e-mail (else the team's `agent_email`). The team's
-- calendar is shared: its busy time blocks every member.
CREATE TABLE "callback_team_members" (
  "tenant_id" TEXT NOT NULL,
  "queue_id" UUID NOT NULL,
  "agent_id" TEXT NOT NULL,
  "email" TEXT,
  CONSTRAINT "callback_team_members_pkey" PRIMARY KEY ("tenant_id", "queue_id", "agent_id"),
  CONSTRAINT "callback_team_members_team_fkey" FOREIGN KEY ("tenant_id", "queue_id")
    REFERENCES "callback_teams" ("tenant_id", "queue_id") ON DELETE CASCADE
);
SELECT hub_apply_tenant_rls();

-- A booking of a team with members is assigned to one agent. No double booking is now per agent: two
-- `booked` rows of one agent never overlap (any team of the tenant); a booking without agent (team without
-- members) keeps the team-level rule (key `queue:<queue id>`). Still a database constraint (23P01 → 409).
ALTER TABLE "customer_callbacks" ADD COLUMN "agent_id" TEXT;
ALTER TABLE "customer_callbacks" DROP CONSTRAINT "customer_callbacks_no_double_booking";
ALTER TABLE "customer_callbacks" ADD CONSTRAINT "customer_callbacks_no_double_booking"
  EXCLUDE USING gist ("tenant_id" WITH =, (COALESCE("agent_id", 'queue:' || "queue_id"::text)) WITH =, "slot" WITH &&)
  WHERE ("status" = 'booked');
CREATE INDEX "customer_callbacks_agent_idx" ON "customer_callbacks" ("tenant_id", "agent_id", "starts_at")
  WHERE "agent_id" IS NOT NULL;
