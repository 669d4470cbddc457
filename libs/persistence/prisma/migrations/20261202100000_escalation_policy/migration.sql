-- Escalation policy, part 1 (issue 10; docs/escalation-policy.md). Every table here is owned by the handoff
-- orchestrator (apps/handoff-orchestrator/src/escalation, src/reports).

-- A tenant's escalation configuration (thresholds, detectors on/off, keyword rules, routing conditions, message
-- templates, scope examples): one validated JSON document per tenant (EscalationConfigSchema of the orchestrator).
CREATE TABLE escalation_settings (
  tenant_id  text PRIMARY KEY,
  config     jsonb NOT NULL,
  -- incremented on every write; detectors trained from the config are cached per (tenant, revision)
  revision   integer NOT NULL DEFAULT 1,
  updated_at timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Audit of every decision a bot asked for (POST /v1/escalation/decisions) and of what followed: the paths
-- offered, the path the customer picked, the reasons (signal, score, threshold or rule id), the context handed
-- off, the live handoff it became, and the callback outcome (filled by part 2, issue 11).
CREATE TABLE escalation_decisions (
  id                uuid PRIMARY KEY,
  tenant_id         text NOT NULL,
  conversation_id   text NOT NULL,
  bot_session_id    text,
  channel           text,
  escalate          boolean NOT NULL,
  -- regulated_rule | rule | model | none
  decided_by        text NOT NULL,
  intent            text,
  -- DecisionReason[] of @hub/escalation, in precedence order
  reasons           jsonb NOT NULL DEFAULT '[]',
  -- the first reason as a report key: rule:<id> | model:<class> | out_of_scope | retrieval | none
  primary_reason    text NOT NULL,
  -- the available paths the bot was told to offer (subset of form, live_agent, callback)
  paths_offered     text[] NOT NULL DEFAULT '{}',
  recommended_paths jsonb NOT NULL DEFAULT '[]',
  handoff_message   text,
  -- what is handed off: summary, intent, turns, attributes, sentiment
  context           jsonb NOT NULL DEFAULT '{}',
  -- form | live_agent | callback | none (kept on with the bot); null = not reported yet
  path_picked       text CHECK (path_picked IN ('form', 'live_agent', 'callback', 'none')),
  picked_at         timestamptz(3),
  handoff_id        uuid,
  callback_due_at   timestamptz(3),
  -- completed | missed | cancelled (part 2 fills it in)
  callback_outcome  text CHECK (callback_outcome IN ('completed', 'missed', 'cancelled')),
  created_at        timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX escalation_decisions_tenant_created_idx ON escalation_decisions (tenant_id, created_at);
CREATE INDEX escalation_decisions_tenant_conversation_idx ON escalation_decisions (tenant_id, conversation_id);

-- The decision a live handoff came from (transfer_to_human with `decisionId`): its reasons are the handoff's.
ALTER TABLE handoffs ADD COLUMN decision_id uuid;

-- Conversations the bot had per day, reported by the bot (POST /v1/escalation/conversation-totals): the
-- denominator of the handoff rate. One row per (tenant, source bot, day); a report replaces the day's count.
CREATE TABLE bot_conversation_totals (
  tenant_id     text NOT NULL,
  source        text NOT NULL,
  day           date NOT NULL,
  conversations integer NOT NULL CHECK (conversations >= 0),
  updated_at    timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (tenant_id, source, day)
);

SELECT hub_apply_tenant_rls();
