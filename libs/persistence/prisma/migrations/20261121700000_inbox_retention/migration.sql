-- Inbox retention: the pruner deletes processed_events rows older than INBOX_RETENTION_HOURS by processed_at.
CREATE INDEX "processed_events_processed_at_idx" ON "processed_events" ("processed_at");
