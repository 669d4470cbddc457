import { Inject, Injectable } from '@nestjs/common';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Pool } from 'pg';
import { inTenantTransaction, Outbox, PG_POOL, PRISMA, type PrismaClient } from '@hub/persistence';
import { CrashHook } from './crash-hook';
import { OfferTimers } from './offer-timers';
import { RoutingTx } from './routing-tx';

/** Thrown inside a routing transaction when what was read before locking changed: run it again. */
export class RetryTransaction extends Error {
  constructor(why: string) {
    super(`routing transaction retried: ${why}`);
    this.name = 'RetryTransaction';
  }
}

/** Deadlock (40P01), serialization failure (40001), lock-snapshot conflicts: safe to run again. */
export function isRetryableTxError(e: unknown): boolean {
  if (e instanceof RetryTransaction) return true;
  const err = e as { message?: string; code?: string; meta?: unknown; cause?: unknown };
  const text = `${err?.code ?? ''} ${err?.message ?? ''} ${safeJson(err?.meta)} ${safeJson(err?.cause)}`;
  return /40P01|40001|deadlock detected|could not serialize/i.test(text);
}

function safeJson(v: unknown): string {
  try {
    return v === undefined ? '' : JSON.stringify(v);
  } catch {
    return '';
  }
}

/**
 * Runs routing use cases as READ COMMITTED transactions over node-postgres (`PG_POOL`, hand-written SQL,
 * no ORM runtime per statement) that write their outbox rows last (one INSERT), retries deadlocks / serialization failures / {@link RetryTransaction} with jittered
 * exponential backoff (cockatiel; up to 8 attempts, 10 ms … 500 ms), and after commit arms expiry
 * timers and fires the crash test hook.
 */
@Injectable()
export class RoutingTransactions {
  private readonly policy = retry(handleWhen(isRetryableTxError), {
    maxAttempts: 7,
    backoff: new ExponentialBackoff({ initialDelay: 10, maxDelay: 500 }),
  });

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly crashHook: CrashHook,
    private readonly timers: OfferTimers,
  ) {}

  /** The root Prisma client, for admin reads outside a transaction. */
  get prismaClient(): PrismaClient {
    return this.prisma;
  }

  /** The pool, for hot-path reads outside a transaction (autocommit). */
  get sql(): Pool {
    return this.pool;
  }

  /**
   * @param tenantId    tenant every row and event of the transaction belongs to
   * @param causationId command event id / request id (recorded as the events' causationId)
   * @param fn          the use case body; its outbox messages are enqueued before commit
   * @returns fn's result
   * @throws whatever fn throws (after retries for retryable errors)
   */
  async run<T>(
    tenantId: string,
    causationId: string | undefined,
    fn: (rt: RoutingTx) => Promise<T>,
  ): Promise<T> {
    return this.runBatch(tenantId, (_db, txFor) => fn(txFor(causationId)));
  }

  /**
   * One transaction for several commands of one tenant (batch consumption): `fn` gets the transaction's
   * connection and `txFor(causationId)`, which makes a {@link RoutingTx} on that connection per command
   * (its events carry that command's id as causationId). Every RoutingTx's outbox messages are written
   * in one INSERT before commit, in the order the RoutingTx were made (each command's events keep their
   * order); timers and the crash hook as in {@link run}. Retried as a whole like {@link run}.
   * @throws whatever fn throws (after retries for retryable errors); nothing of the batch is committed then
   */
  async runBatch<T>(
    tenantId: string,
    fn: (db: RoutingTx['db'], txFor: (causationId: string | undefined) => RoutingTx) => Promise<T>,
  ): Promise<T> {
    const { result, rts } = await this.policy.execute(() =>
      inTenantTransaction(this.pool, tenantId, async (db) => {
        const rts: RoutingTx[] = [];
        const txFor = (causationId: string | undefined) => {
          const rt = new RoutingTx(db, tenantId, causationId);
          rts.push(rt);
          return rt;
        };
        const result = await fn(db, txFor);
        await Outbox.enqueueSql(db, ...rts.flatMap((rt) => rt.outbox));
        return { result, rts };
      }),
    );
    if (rts.some((rt) => rt.offersCreated.length)) this.crashHook.afterCommit('offer');
    for (const rt of rts) {
      for (const o of rt.offersCreated) this.timers.notify(o.expiresAt);
      for (const at of rt.wakeAt) this.timers.notify(at);
    }
    return result;
  }
}
