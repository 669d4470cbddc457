-- Each service relays its own outbox rows: rows are stamped with the writing connection's application_name
-- (the service name), and the NOTIFY payload names it so only that service's relay wakes up.
ALTER TABLE "outbox_events" ADD COLUMN "producer" TEXT NOT NULL DEFAULT current_setting('application_name'::text);
CREATE INDEX "outbox_events_producer_seq_idx" ON "outbox_events"("producer", "seq");

CREATE OR REPLACE FUNCTION hub_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hub_outbox', current_setting('application_name'));
  RETURN NULL;
END $$;
