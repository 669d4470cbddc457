import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessagingService } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { Problem } from '../http/problems';
import { ApplyWorkItemEventUseCase } from './usecases/apply-work-item-event.usecase';
import { RequestHandoffUseCase } from './usecases/request-handoff.usecase';

/** Kafka consumer group of this service (prefixed with KAFKA_TOPIC_NAMESPACE, empty in production). */
export const CONSUMER_GROUP = 'handoff-orchestrator';

/**
 * Thin Kafka handlers (group `handoff-orchestrator`, namespaced in isolated test worlds so parallel
 * worlds never share a group):
 *  - `hub.handoff.requested.v1` → {@link RequestHandoffUseCase} with idempotency key
 *    `data.idempotencyKey ?? envelope id`; a request that cannot be served (unknown integration or
 *    queue …) becomes a `failed`/`error` handoff announced on the outcomes topic;
 *  - `hub.workitem.events.v1` → {@link ApplyWorkItemEventUseCase}, consumed in partition batches
 *    ({@link ApplyWorkItemEventUseCase.executeBatch}, one transaction per batch and tenant).
 * Schema-invalid messages are dead-lettered by the ConsumerRunner; other errors are retried.
 */
@Injectable()
export class HandoffConsumers implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: MessagingService,
    private readonly requestHandoff: RequestHandoffUseCase,
    private readonly applyEvent: ApplyWorkItemEventUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging
      .createConsumer(CONSUMER_GROUP)
      .on('handoffRequested', async (event) => {
        const cmd = {
          tenantId: event.tenantId,
          request: event.data,
          idempotencyKey: event.data.idempotencyKey ?? event.id,
          intake: 'kafka' as const,
          cause: { causationId: event.id, traceparent: event.traceparent, tracestate: event.tracestate },
        };
        try {
          await this.requestHandoff.execute(cmd);
        } catch (e) {
          if (!(e instanceof Problem)) throw e;
          this.logger.warn(
            { err: e.message, field: e.field },
            'handoff request rejected; announcing failure',
          );
          await this.requestHandoff.reject(cmd, e);
        }
      })
      .on(
        'workItemEvents',
        async (event) => {
          await this.applyEvent.execute(event);
        },
        // a partition batch of router events in one transaction per tenant run (queued + offered of one
        // router transaction arrive together); a failed batch is handled one event at a time
        { batch: async (items) => void (await this.applyEvent.executeBatch(items.map((i) => i.event))) },
      )
      .start();
  }
}
