import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ContractViolationError } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import {
  ForwardedUtteranceSchema,
  forwardedUtteranceEvent,
  utteranceFieldErrors,
  type UtteranceFieldError,
} from '../../domain/forwarded-utterance';
import type { WidgetClaims } from '../../domain/widget-claims';
import { ConversationEventsPublisher } from '../conversation-events.publisher';
import { WidgetRateLimiter } from '../widget-rate-limiter';

/** Acknowledgement of the widget's `utterance` event. */
export type ForwardUtteranceAck =
  | {
      ok: true;
      /** Envelope id of the published `conversation.event`. */
      eventId: string;
      utteranceId: string;
      interactionId: string;
    }
  | {
      ok: false;
      /**
       * `invalid_payload` (see `errors`), `no_interaction` (8x8 agent-only widget while the agent has
       * no interaction), `unavailable` (Kafka did not acknowledge; retry with the same messageId),
       * `rate_limited` (the widget's WIDGET_UTTERANCE_RATE_LIMIT is spent; retry after `retryAfterSeconds`).
       */
      reason: 'invalid_payload' | 'no_interaction' | 'unavailable' | 'rate_limited';
      /** Human-readable, naming the offending fields: `text: must not be empty; interactionId: …`. */
      error: string;
      errors?: UtteranceFieldError[];
      /** For `rate_limited`: seconds until the widget may forward again. */
      retryAfterSeconds?: number;
    };

/**
 * Forwards one chat line from a widget as a normalized conversation event (seed 001, "Digital":
 * Five9 `onChatEvent`, Salesforce, Genesys web messaging → RAG). The payload is validated with
 * {@link ForwardedUtteranceSchema}; tenant, agent, provider and interaction come only from the
 * widget's verified token and the gateway's binding of the socket. Acknowledged after Kafka
 * (`acks: -1`) has the event; nothing is published for a rejected payload. Each widget may forward at
 * most WIDGET_UTTERANCE_RATE_LIMIT lines per window ({@link WidgetRateLimiter}, shared by replicas).
 */
@Injectable()
export class ForwardUtteranceUseCase {
  constructor(
    private readonly publisher: ConversationEventsPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly rateLimiter: WidgetRateLimiter,
  ) {}

  /**
   * @param claims the socket's verified token claims
   * @param interactionId the interaction the socket is bound to now (null: none)
   * @param payload the client's event payload, unvalidated
   */
  async execute(
    claims: WidgetClaims,
    interactionId: string | null,
    payload: unknown,
    now = new Date(),
  ): Promise<ForwardUtteranceAck> {
    const rate = await this.rateLimiter.consume(claims);
    if (!rate.allowed)
      return {
        ok: false,
        reason: 'rate_limited',
        error: `more than ${rate.limit} chat lines per WIDGET_UTTERANCE_RATE_WINDOW_S from this widget; retry after ${rate.retryAfterSeconds} s`,
        retryAfterSeconds: rate.retryAfterSeconds,
      };
    const parsed = ForwardedUtteranceSchema.safeParse(payload ?? {});
    if (!parsed.success) {
      const errors = utteranceFieldErrors(parsed.error.issues);
      return {
        ok: false,
        reason: 'invalid_payload',
        error: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      };
    }
    if (!interactionId)
      return { ok: false, reason: 'no_interaction', error: 'the widget is not bound to an interaction' };
    const event = forwardedUtteranceEvent(claims, interactionId, parsed.data, now);
    try {
      await this.publisher.publish(event);
    } catch (e) {
      if (e instanceof ContractViolationError) {
        // the payload passed our schema but not the contract: a bug here, not the widget's fault
        this.logger.error(
          { err: e.message, tenantId: claims.tid },
          'forwarded utterance breaks the contract',
        );
      } else {
        this.logger.warn({ err: (e as Error).message, tenantId: claims.tid }, 'could not publish utterance');
      }
      return { ok: false, reason: 'unavailable', error: 'could not publish the utterance; retry' };
    }
    this.logger.debug(
      { tenantId: claims.tid, interactionId, utteranceId: event.data.utteranceId },
      'forwarded utterance',
    );
    return {
      ok: true,
      eventId: event.eventId,
      utteranceId: event.data.utteranceId,
      interactionId,
    };
  }
}
