import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { v5 as uuidv5 } from 'uuid';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { LOGGER, withLogContext } from '@hub/observability';
import { decodePayload, decodeReaderFrame } from '../../domain/pulsar-frame';
import { mapEightByEightEvent } from '../../domain/interaction-mapper';
import type { Connector8x8Config } from '../../config';
import type { Connector8x8Metrics, MessageOutcome } from '../../metrics';
import { CONNECTOR_CONFIG, CONNECTOR_METRICS } from '../../tokens';
import { AgentCorrelationRepository } from '../agent-correlation.repository';
import { StreamRepository, type StreamRef } from '../stream.repository';

/** Namespace of the deterministic (UUID v5) envelope ids derived from integration + 8x8 message id. */
const EVENT_ID_NAMESPACE = '6f1c3b0e-8a4d-4f7e-9b2a-8e8a0c0d8e88';

/** Envelope id of the conversation event produced by one 8x8 message (same message → same id). */
export function eventIdFor(ref: StreamRef, messageId: string): string {
  return uuidv5(`${ref.integrationId}:${messageId}`, EVENT_ID_NAMESPACE);
}

/** What happened to one frame. */
export interface ProcessResult {
  outcome: MessageOutcome;
  /** Message id to acknowledge to the reader endpoint (undefined when the frame had none). */
  ackId?: string;
}

/**
 * Processes one frame of the 8x8 reader: decode (frame JSON → base64 payload → event JSON), map to a
 * normalized lifecycle event, update the agent ↔ interaction correlation in Redis (idempotent), then
 * commit inbox claim + outbox event + cursor in one PostgreSQL transaction. Correlation-only events
 * (InteractionDeassigned) update Redis and advance the cursor without publishing anything. Undecodable or unusable
 * messages are logged, counted and committed as skipped (cursor advances, nothing published), so a
 * poison message never stalls the stream. Redeliveries (same message id) are acknowledged and dropped.
 *
 * @throws when PostgreSQL or Redis fail (transient: the reader reconnects from the last cursor)
 */
@Injectable()
export class ProcessMessageUseCase {
  constructor(
    private readonly stream: StreamRepository,
    private readonly correlation: AgentCorrelationRepository,
    @Inject(CONNECTOR_CONFIG) private readonly config: Connector8x8Config,
    @Inject(CONNECTOR_METRICS) private readonly metrics: Connector8x8Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(ref: StreamRef, raw: string): Promise<ProcessResult> {
    return withLogContext({ tenantId: ref.tenantId }, async () => {
      const result = await this.process(ref, raw);
      this.metrics.messages.inc({ tenant: ref.tenantId, outcome: result.outcome });
      return result;
    });
  }

  private async process(ref: StreamRef, raw: string): Promise<ProcessResult> {
    const decodedFrame = decodeReaderFrame(raw);
    if (!decodedFrame.ok) {
      this.logger.error(
        {
          integrationId: ref.integrationId,
          messageId: decodedFrame.messageId,
          reason: decodedFrame.reason,
          detail: decodedFrame.detail,
        },
        'skipping undecodable 8x8 frame',
      );
      if (decodedFrame.messageId) await this.skip(ref, decodedFrame.messageId);
      return { outcome: 'invalid_frame', ackId: decodedFrame.messageId };
    }
    const { frame } = decodedFrame;
    const messageId = frame.messageId;
    if (await this.stream.alreadyProcessed(ref, messageId)) return { outcome: 'duplicate', ackId: messageId };

    const payload = decodePayload(frame.payload);
    if (!payload.ok) {
      this.logger.error(
        { integrationId: ref.integrationId, messageId, reason: payload.reason, detail: payload.detail },
        'skipping undecodable 8x8 payload',
      );
      await this.skip(ref, messageId);
      return { outcome: payload.reason, ackId: messageId };
    }

    const mapped = mapEightByEightEvent(payload.event, frame.publishTime);
    if (mapped.kind === 'invalid') {
      this.logger.error(
        { integrationId: ref.integrationId, messageId, detail: mapped.detail },
        'skipping invalid 8x8 event',
      );
      await this.skip(ref, messageId);
      return { outcome: 'invalid_event', ackId: messageId };
    }
    if (mapped.kind === 'ignored') {
      await this.skip(ref, messageId);
      return { outcome: 'ignored', ackId: messageId };
    }
    if (mapped.kind === 'correlation') {
      // e.g. InteractionDeassigned: the agent's correlation goes, the interaction (and its context) stays
      await this.correlation.apply(
        ref.tenantId,
        mapped.correlation,
        mapped.occurredAt,
        this.config.EIGHTX8_CORRELATION_TTL_S,
      );
      await this.skip(ref, messageId);
      return { outcome: 'correlation', ackId: messageId };
    }

    const id = eventIdFor(ref, messageId);
    const envelope = {
      ...newEnvelope({
        id,
        type: 'conversation.event' as const,
        version: 1,
        tenantId: ref.tenantId,
        source: 'connector-8x8',
        correlationId: mapped.event.interactionId,
        causationId: `8x8:${messageId}`,
        occurredAt: mapped.occurredAt,
        data: mapped.event,
      }),
      version: 1 as const,
    } satisfies TopicEvent<'conversationEvents'>;
    if (mapped.correlation) {
      await this.correlation.apply(
        ref.tenantId,
        mapped.correlation,
        mapped.occurredAt,
        this.config.EIGHTX8_CORRELATION_TTL_S,
      );
    }
    const fresh = await this.stream.commit(ref, messageId, [envelope]);
    return { outcome: fresh ? 'published' : 'duplicate', ackId: messageId };
  }

  private async skip(ref: StreamRef, messageId: string): Promise<void> {
    await this.stream.commit(ref, messageId, []);
  }
}
