import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { Counter as PromCounter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { TopicEvent } from '@hub/contracts';
import {
  isPermanent,
  isTransientError,
  MessagingService,
  type BatchItem,
  type MessageContext,
} from '@hub/messaging';
import { LOGGER, METRICS } from '@hub/observability';
import type { RouterConfig } from '../config';
import { ROUTER_CONFIG } from '../tokens';
import { CONSUMER_NAME } from './consumer-name';
import { AcceptOfferUseCase } from './usecases/accept-offer.usecase';
import { CompleteWorkItemUseCase } from './usecases/complete-work-item.usecase';
import { CreateWorkItemUseCase } from './usecases/create-work-item.usecase';
import { ReleaseOfferUseCase } from './usecases/release-offer.usecase';
import { SetPresenceUseCase } from './usecases/set-presence.usecase';
import { TransferWorkItemUseCase } from './usecases/transfer-work-item.usecase';
import { WithdrawWorkItemUseCase } from './usecases/withdraw-work-item.usecase';

type CreateCommandEvent = TopicEvent<'workItemCommands'> & { data: { command: 'create' } };

/**
 * Consumes `hub.workitem.commands.v1` (group `work-item-router`, prefixed with the topic namespace in
 * isolated test runs; any number of replicas). The
 * ConsumerRunner has validated the envelope and command already (invalid → DLQ); this handler only
 * routes each command to its use case. Use cases throw PermanentError for commands that can never
 * succeed (unknown item/agent/queue of the tenant, wrong agent, wrong state) → dead letter with
 * the reason; anything else is retried with backoff. A `create` that fails for good (permanent error,
 * or its last attempt) is first answered with a work item `failed` (`error`) event
 * ({@link CreateWorkItemUseCase.failPermanently}), so its handoff fails at once; the command is still
 * dead-lettered for operators.
 */
@Injectable()
export class WorkItemCommandsConsumer implements OnApplicationBootstrap {
  private readonly processed: Counter<'command' | 'outcome'>;

  constructor(
    private readonly messaging: MessagingService,
    private readonly create: CreateWorkItemUseCase,
    private readonly accept: AcceptOfferUseCase,
    private readonly release: ReleaseOfferUseCase,
    private readonly transfer: TransferWorkItemUseCase,
    private readonly complete: CompleteWorkItemUseCase,
    private readonly withdraw: WithdrawWorkItemUseCase,
    private readonly presence: SetPresenceUseCase,
    @Inject(METRICS) metrics: Registry,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.processed = new PromCounter({
      name: 'router_commands_total',
      help: 'Work-item commands handled by this replica, by command and outcome',
      labelNames: ['command', 'outcome'],
      registers: [metrics],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // The group id carries the topic namespace (empty in production), so isolated test worlds never
    // share a consumer group with each other.
    await this.messaging
      .createConsumer(CONSUMER_NAME)
      .on('workItemCommands', (event, ctx) => this.handle(event, ctx), {
        batch: (items) => this.handleBatch(items),
      })
      .start();
  }

  /**
   * A partition batch of validated commands, in order: each run of consecutive `create`s of one tenant
   * (also a run of one) goes to {@link CreateWorkItemUseCase.executeBatch} (one transaction, multi-row
   * statements); every other command to {@link handle}. Throws what they throw: the runner then handles
   * the batch's commands one at a time with {@link handle} (already committed ones are inbox duplicates),
   * so a poison command is dead-lettered alone. A create is never announced as failed here: that is
   * {@link handle}'s on the one-at-a-time pass — announcing it in this pass claimed the create's event id,
   * so the one-at-a-time pass saw a duplicate and the poison create was never dead-lettered.
   */
  async handleBatch(items: BatchItem<'workItemCommands'>[]): Promise<void> {
    for (let i = 0; i < items.length;) {
      const head = items[i].event;
      if (head.data.command !== 'create') {
        await this.handle(head, items[i].ctx);
        i += 1;
        continue;
      }
      let j = i + 1;
      while (
        j < items.length &&
        items[j].event.data.command === 'create' &&
        items[j].event.tenantId === head.tenantId
      )
        j++;
      const run = items.slice(i, j).map((x) => x.event as CreateCommandEvent);
      const outcomes = await this.create.executeBatch(
        head.tenantId,
        run.map((e) => ({ eventId: e.id, cmd: e.data })),
      );
      for (const o of outcomes) this.processed.inc({ command: 'create', outcome: String(o) });
      i = j;
    }
  }

  /**
   * Routes one validated command to its use case.
   * @param ctx the delivery (attempt number); without it only a PermanentError counts as final
   * @throws what the use case throws (the runner retries or dead-letters)
   */
  async handle(event: TopicEvent<'workItemCommands'>, ctx?: Pick<MessageContext, 'attempt'>): Promise<void> {
    const { tenantId, id } = event;
    const c = event.data;
    let outcome: unknown;
    switch (c.command) {
      case 'create':
        outcome = await this.createOrFail(event as CreateCommandEvent, ctx);
        break;
      case 'accept':
        outcome = await this.accept.execute(tenantId, id, c);
        break;
      case 'decline':
        outcome = await this.release.decline(tenantId, id, c);
        break;
      case 'transfer':
        outcome = await this.transfer.execute(tenantId, id, c);
        break;
      case 'complete':
        outcome = await this.complete.execute(tenantId, id, c);
        break;
      case 'withdraw':
        outcome = await this.withdraw.execute(tenantId, id, c, event.correlationId);
        break;
      case 'set_presence': {
        const r = await this.presence.execute(tenantId, id, c.agentId, c.presence);
        outcome = r === 'duplicate' ? r : r.changed ? 'changed' : 'unchanged';
        break;
      }
    }
    this.processed.inc({ command: c.command, outcome: String(outcome) });
  }

  /**
   * `create`; when it fails for good (PermanentError, or the runner's last attempt) the failure is
   * announced as `failed(error)` before the error goes on to the dead-letter path.
   */
  private async createOrFail(
    event: CreateCommandEvent,
    ctx?: Pick<MessageContext, 'attempt'>,
  ): Promise<unknown> {
    try {
      return await this.create.execute(event.tenantId, event.id, event.data);
    } catch (e) {
      // An infrastructure error (database down, read-only, timeout) is retried until it is back: never final.
      const lastAttempt = !!ctx && ctx.attempt >= this.config.KAFKA_MAX_ATTEMPTS && !isTransientError(e);
      if (!isPermanent(e) && !lastAttempt) throw e;
      const detail = `work item could not be created: ${(e as Error).message}`;
      const r = await this.create
        .failPermanently(event.tenantId, event.id, event.data, detail)
        .catch((err: Error) => {
          this.logger.error({ err: err.message, eventId: event.id }, 'could not announce failed(error)');
          return 'unannounced';
        });
      this.processed.inc({ command: 'create', outcome: `failed_error_${r}` });
      throw e;
    }
  }
}
