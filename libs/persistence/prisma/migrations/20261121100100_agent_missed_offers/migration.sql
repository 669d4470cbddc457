-- Work-item router: consecutive offers an agent let expire since its last accept, decline or presence change.
-- Updated in the transaction of the expiry / accept / decline / presence change; at
-- ROUTER_MISSED_OFFERS_BEFORE_AWAY the router sets the agent away ("not responding").
ALTER TABLE "agents" ADD COLUMN "missed_offers" INTEGER NOT NULL DEFAULT 0;
