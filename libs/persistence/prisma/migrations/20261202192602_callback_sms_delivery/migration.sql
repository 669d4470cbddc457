-- Customer-callback SMS through a tenant's provider (docs/callbacks.md §4): the provider's message id, the
-- delivery status its status callbacks report (Twilio MessageStatus: queued → sent → delivered | undelivered |
-- failed), and a permanent failure (failed_at: the provider refused for good, e.g. Twilio 21211 invalid number,
-- or the tenant has no SMS provider) that the dispatcher never retries.
ALTER TABLE "customer_callback_notifications"
  ADD COLUMN "provider" TEXT,
  ADD COLUMN "provider_message_id" TEXT,
  ADD COLUMN "delivery_status" TEXT,
  ADD COLUMN "delivery_error_code" TEXT,
  ADD COLUMN "delivery_updated_at" TIMESTAMPTZ(3),
  ADD COLUMN "failed_at" TIMESTAMPTZ(3);

-- A permanently failed row is not due any more (both versions of the system path, see 20261202150110_callback_clock).
CREATE OR REPLACE FUNCTION hub_due_callback_notifications(p_limit integer) RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT n.tenant_id, n.id FROM customer_callback_notifications n
  WHERE n.sent_at IS NULL AND n.failed_at IS NULL AND n.due_at <= clock_timestamp() AND n.attempts < 10
  ORDER BY n.due_at LIMIT p_limit
$$;
CREATE OR REPLACE FUNCTION hub_due_callback_notifications(p_limit integer, p_now timestamptz) RETURNS TABLE (tenant_id text, id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
  SELECT n.tenant_id, n.id FROM customer_callback_notifications n
  WHERE n.sent_at IS NULL AND n.failed_at IS NULL AND n.due_at <= p_now AND n.attempts < 10
  ORDER BY n.due_at LIMIT p_limit
$$;
