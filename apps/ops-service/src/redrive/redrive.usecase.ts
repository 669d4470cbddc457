import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { MessagingService, REDRIVE_HEADERS } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import type { EventStore } from '../domain/event-store';
import { EVENT_STORE } from '../tokens';
import { RedriveRepository, type RedriveRecord } from './redrive.repository';

/** Headers of a redriven message: libs/messaging's REDRIVE_HEADERS (as `npm run dlq:redrive` adds) plus who asked. */
export const REDRIVE_HEADER = { ...REDRIVE_HEADERS, by: 'x-redriven-by' } as const;

/** The dead letter is not held for this tenant (unknown position, another tenant's, or aged out). */
export class DeadLetterNotFoundError extends Error {
  readonly code = 'not_found';
  constructor() {
    super('dead letter not found');
    this.name = 'DeadLetterNotFoundError';
  }
}

/** What a redrive request answers. */
export interface RedriveResult {
  /** `redriven`: produced by this request; `already_redriven`: an earlier request did (nothing produced). */
  outcome: 'redriven' | 'already_redriven';
  redrive: RedriveRecord;
}

/**
 * Sends one dead-lettered message back to the topic it came from, unchanged (key and value), with
 * {@link REDRIVE_HEADER}s pointing at the DLQ position. Idempotent and audited: the first request for a
 * DLQ position records who asked (`dead_letter_redrives`, status `pending`), produces (acks=-1), then
 * marks it `done`; later requests answer `already_redriven` without producing. A request that finds a
 * `pending` record (the first one crashed before Kafka acknowledged) produces again — the consumers'
 * inbox dedupes the event id if the first send did land.
 */
@Injectable()
export class RedriveUseCase {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RedriveRepository) private readonly repo: RedriveRepository,
    @Inject(MessagingService) private readonly messaging: MessagingService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** @throws DeadLetterNotFoundError when the tenant has no dead letter at that position */
  async execute(
    tenantId: string,
    requestedBy: string,
    at: { dlqTopic: string; partition: number; offset: string },
  ): Promise<RedriveResult> {
    const d = this.store.deadLetter(at.dlqTopic, at.partition, at.offset);
    if (!d || d.tenantId !== tenantId) throw new DeadLetterNotFoundError();
    const { record, created } = await this.repo.claim({
      tenantId,
      dlqTopic: d.dlqTopic,
      dlqPartition: d.partition,
      dlqOffset: d.offset,
      eventId: d.eventId,
      originalTopic: d.originalTopic,
      reason: d.reason,
      error: d.error,
      requestedBy,
    });
    if (record.status === 'done') return { outcome: 'already_redriven', redrive: record };
    await this.messaging.producer.sendRaw(d.originalTopic, [
      {
        key: d.key,
        value: d.rawValue,
        headers: {
          [REDRIVE_HEADER.from]: `${d.dlqTopic}/${d.partition}/${d.offset}`,
          [REDRIVE_HEADER.reason]: d.reason,
          [REDRIVE_HEADER.redrivenAt]: new Date().toISOString(),
          [REDRIVE_HEADER.by]: requestedBy,
        },
      },
    ]);
    const done = await this.repo.markDone(record);
    this.logger.info(
      {
        tenantId,
        dlq: `${d.dlqTopic}/${d.partition}/${d.offset}`,
        eventId: d.eventId,
        requestedBy,
        retried: !created,
      },
      'dead letter redriven',
    );
    return { outcome: 'redriven', redrive: done };
  }
}
