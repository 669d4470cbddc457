/**
 * "Not responding" (Genesys Cloud "Not Responding", Amazon Connect "Missed"): an agent who lets
 * offers expire N times in a row is set `away`, so the next work items go to agents who are at the
 * desk. The run of misses is `agents.missed_offers`, kept in the transaction that ends each offer.
 *
 * How the end of an offer changes the run:
 * - `expired` — a miss: the run grows by one;
 * - `accepted` / `declined` — the agent answered, so it is at the desk: the run ends (back to 0). A
 *   decline is deliberately not a miss: it is an answer, like an accept;
 * - `revoked` (withdraw, transfer) — the agent had no chance to answer: the run is kept.
 * Any presence change (asked for by the agent, the gateway or an admin, or made by the router)
 * also ends the run.
 */
export type MissedOfferEffect = 'count' | 'reset' | 'keep';

/** How an offer that ended with `status` changes its agent's run of missed offers (see the module doc). */
export function missedOfferEffect(
  status: 'accepted' | 'declined' | 'expired' | 'revoked',
): MissedOfferEffect {
  switch (status) {
    case 'expired':
      return 'count';
    case 'accepted':
    case 'declined':
      return 'reset';
    case 'revoked':
      return 'keep';
  }
}

/**
 * Whether an agent is to be set `away` after a miss.
 * @param agent     the agent's presence and run of missed offers after the miss was counted
 * @param threshold `ROUTER_MISSED_OFFERS_BEFORE_AWAY`: misses in a row that make an agent away; 0 = never
 * @returns true only for an `online` agent whose run reached the threshold (an agent already away or
 *          offline keeps its presence)
 */
export function goesAwayAfterMisses(
  agent: { presence: string; missedOffers: number },
  threshold: number,
): boolean {
  return threshold > 0 && agent.presence === 'online' && agent.missedOffers >= threshold;
}
