import type { PrismaExecutor } from '../prisma-client';
import { preparedQuery, type SqlExecutor } from '../sql/pg-sql';

/**
 * Inbox dedupe for idempotent consumers. Call inside the same transaction as the handler's state
 * changes: returns `true` the first time `(consumer, eventId)` is seen, `false` for a duplicate
 * (then do nothing). Enforced by the primary key, so concurrent duplicates cannot both win.
 *
 * @param consumer consumer name (e.g. `work-item-router`)
 * @param eventId  envelope id or vendor message id
 */
export async function claimEvent(tx: PrismaExecutor, consumer: string, eventId: string): Promise<boolean> {
  const n =
    await tx.$executeRaw`INSERT INTO processed_events (consumer, event_id) VALUES (${consumer}, ${eventId}) ON CONFLICT DO NOTHING`;
  return n === 1;
}

/** {@link claimEvent} over node-postgres (a client inside `inPgTransaction`). */
export async function claimEventSql(db: SqlExecutor, consumer: string, eventId: string): Promise<boolean> {
  const r = await preparedQuery(
    db,
    'hub.inbox.claim',
    'INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [consumer, eventId],
  );
  return r.rowCount === 1;
}
