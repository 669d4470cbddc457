import {
  Global,
  Inject,
  Injectable,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import type { DatabaseConfig } from '@hub/config';
import { HealthRegistry, LOGGER, SERVICE_NAME } from '@hub/observability';
import type { Pool } from 'pg';
import { createPrismaClient, type PrismaClient } from './prisma-client';
import { createPgPool, type PgPoolOptions } from './sql/pg-sql';
import { OutboxRelay, type OutboxDeliveryLog, type OutboxSink } from './outbox/outbox-relay';
import { InboxPruner } from './inbox/inbox-pruner';

export const PRISMA = Symbol('PRISMA');
export const DATABASE_CONFIG = Symbol('DATABASE_CONFIG');
/**
 * A node-postgres `Pool` on the same database (same size, `application_name` = service name, so outbox
 * rows written through it are relayed by the service's own relay) for hand-written SQL on hot paths.
 * Lazy: it opens connections only when used; ended on shutdown.
 */
export const PG_POOL = Symbol('PG_POOL');
/** Provide these (MessagingModule / RealtimeModule do) to let the relay deliver to Kafka / Redis. */
export const OUTBOX_KAFKA_SINK = Symbol('OUTBOX_KAFKA_SINK');
export const OUTBOX_REDIS_SINK = Symbol('OUTBOX_REDIS_SINK');
/** Provide this (MessagingModule does) for exactly-once Kafka delivery across a relay crash ({@link OutboxDeliveryLog}). */
export const OUTBOX_KAFKA_DELIVERY_LOG = Symbol('OUTBOX_KAFKA_DELIVERY_LOG');
const RELAY_ENABLED = Symbol('RELAY_ENABLED');

/** Owns the Prisma client's lifecycle and registers the `postgres` readiness check. */
@Injectable()
export class PrismaLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    health: HealthRegistry,
  ) {
    health.register({
      name: 'postgres',
      check: async () => {
        // Read-only (a demoted primary, `default_transaction_read_only`) is not ready: every write fails.
        const rows = await this.prisma.$queryRaw<{ ro: string }[]>`
          SELECT current_setting('transaction_read_only') AS ro`;
        if (rows[0]?.ro === 'on') throw new Error('database is read-only');
      },
    });
  }
  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

/** Registers the `postgres_pool` readiness check (a round trip through {@link PG_POOL}); ends the pool on shutdown. */
@Injectable()
export class PgPoolLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    health: HealthRegistry,
  ) {
    health.register({
      name: 'postgres_pool',
      check: async () => {
        const { rows } = await this.pool.query<{ ro: string }>(
          "SELECT current_setting('transaction_read_only') AS ro",
        );
        if (rows[0]?.ro === 'on') throw new Error('database is read-only');
      },
    });
  }
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** Runs the {@link OutboxRelay} for the service when enabled and registers its `outbox_relay` readiness check. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly relay?: OutboxRelay;

  constructor(
    @Inject(DATABASE_CONFIG) config: DatabaseConfig,
    @Inject(RELAY_ENABLED) enabled: boolean,
    @Inject(LOGGER) logger: Logger,
    @Inject(SERVICE_NAME) service: string,
    health: HealthRegistry,
    @Optional() @Inject(OUTBOX_KAFKA_SINK) kafka?: OutboxSink,
    @Optional() @Inject(OUTBOX_REDIS_SINK) redis?: OutboxSink,
    @Optional() @Inject(OUTBOX_KAFKA_DELIVERY_LOG) kafkaLog?: OutboxDeliveryLog | null,
  ) {
    if (enabled) {
      const relay = new OutboxRelay({
        databaseUrl: config.DATABASE_URL,
        producer: service,
        sinks: { kafka, redis },
        deliveryLogs: kafkaLog ? { kafka: kafkaLog } : {},
        logger,
        queryTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS || 10_000,
      });
      this.relay = relay;
      health.register({
        name: 'outbox_relay',
        check: async () => {
          const h = relay.health();
          if (!h.ok) throw new Error(`${h.role}: ${h.reason ?? 'not relaying'}`);
        },
      });
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.relay?.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}

/** Runs the {@link InboxPruner} on the service's {@link PG_POOL} (`INBOX_PRUNE_INTERVAL_MS` = 0 turns it off). */
@Injectable()
export class InboxPrunerService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly pruner: InboxPruner;

  constructor(
    @Inject(DATABASE_CONFIG) config: DatabaseConfig,
    @Inject(PG_POOL) pool: Pool,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.pruner = new InboxPruner(pool, {
      retentionHours: config.INBOX_RETENTION_HOURS,
      intervalMs: config.INBOX_PRUNE_INTERVAL_MS,
      logger,
    });
  }

  onApplicationBootstrap(): void {
    this.pruner.start();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.pruner.stop();
  }
}

/**
 * PostgreSQL through Prisma (adapter-pg). `PRISMA` is the root client; use `forTenant(prisma, id)`
 * for tenant-scoped access and `Outbox.enqueue(tx, …)` inside transactions. With `outboxRelay: true`
 * the service also relays its own outbox rows (those written by its connections, `producer` = service name).
 */
@Global()
@Module({})
export class PersistenceModule {
  /**
   * @param opts.pg timeouts of the {@link PG_POOL} (see {@link PgPoolOptions}; size and application name
   *                come from the config and the service name)
   */
  static forRoot(opts: {
    config: DatabaseConfig;
    outboxRelay?: boolean;
    pg?: Pick<PgPoolOptions, 'connectionTimeoutMs' | 'statementTimeoutMs' | 'idleInTransactionTimeoutMs'>;
  }): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: DATABASE_CONFIG, useValue: opts.config },
        { provide: RELAY_ENABLED, useValue: opts.outboxRelay ?? false },
        {
          provide: PRISMA,
          inject: [SERVICE_NAME],
          useFactory: (service: string) =>
            createPrismaClient(opts.config.DATABASE_URL, opts.config.DATABASE_POOL_SIZE, service, {
              statementTimeoutMs: opts.config.DATABASE_STATEMENT_TIMEOUT_MS,
              idleInTransactionTimeoutMs: opts.config.DATABASE_IDLE_IN_TX_TIMEOUT_MS,
              connectionTimeoutMs: opts.config.DATABASE_CONNECT_TIMEOUT_MS,
            }),
        },
        {
          provide: PG_POOL,
          inject: [SERVICE_NAME, LOGGER],
          useFactory: (service: string, logger: Logger) =>
            createPgPool(opts.config.DATABASE_URL, {
              connectionTimeoutMs: opts.config.DATABASE_CONNECT_TIMEOUT_MS,
              statementTimeoutMs: opts.config.DATABASE_STATEMENT_TIMEOUT_MS,
              idleInTransactionTimeoutMs: opts.config.DATABASE_IDLE_IN_TX_TIMEOUT_MS,
              ...opts.pg,
              max: opts.config.DATABASE_POOL_SIZE,
              applicationName: service,
              onError: (e) => logger.warn({ err: e.message }, 'idle pg pool connection failed (discarded)'),
            }),
        },
        PrismaLifecycle,
        PgPoolLifecycle,
        OutboxRelayService,
        InboxPrunerService,
      ],
      exports: [PRISMA, PG_POOL, DATABASE_CONFIG, OutboxRelayService, InboxPrunerService],
    };
  }
}
