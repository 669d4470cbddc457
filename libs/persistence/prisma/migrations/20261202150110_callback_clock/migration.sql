-- Customer callbacks' clock seam (apps/handoff-orchestrator/src/customer-callbacks/callback-clock.ts,
-- docs/callbacks.md): the notification dispatcher passes its own "now" to the due scan instead of the database's
-- clock, so a test can reach reminder and slot times without waiting. Same system path as
-- hub_due_callback_notifications(integer) (docs/security/tenancy.md), which stays for compatibility.
CREATE FUNCTION hub_due_callback_notifications(p_limit integer, p_now timestamptz) RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT n.tenant_id, n.id FROM customer_callback_notifications n
  WHERE n.sent_at IS NULL AND n.due_at <= p_now AND n.attempts < 10
  ORDER BY n.due_at LIMIT p_limit
$$;
ALTER FUNCTION hub_due_callback_notifications(integer, timestamptz) OWNER TO hub_rls_definer;
REVOKE ALL ON FUNCTION hub_due_callback_notifications(integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub_due_callback_notifications(integer, timestamptz) TO hub_app;
