-- Business hours per queue (issue 11 part 2; docs/business-hours.md). Owned by the work-item router
-- (apps/work-item-router/src/business-hours); other services ask GET /v1/queues/{id}/availability.

-- One schedule per queue: BusinessHoursSpec of @hub/scheduling (timeZone, weekly, overrides, holidays),
-- validated by the router before it is written. No row = the queue has no business hours (always open).
CREATE TABLE queue_business_hours (
  queue_id   uuid PRIMARY KEY REFERENCES queues (id) ON DELETE CASCADE,
  tenant_id  text NOT NULL,
  schedule   jsonb NOT NULL,
  -- incremented on every write (the router caches built schedules per (queue, revision))
  revision   integer NOT NULL DEFAULT 1,
  updated_at timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Estimated wait = median time to pickup (assigned_at - enqueued_at) of the queue's last accepted items:
-- an index walk from the newest assignment backwards (availability hot path).
CREATE INDEX work_items_queue_assigned_idx ON work_items (queue_id, assigned_at DESC) WHERE assigned_at IS NOT NULL;

SELECT hub_apply_tenant_rls();
