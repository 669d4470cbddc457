import {
  BadRequestException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { v5 as uuidv5 } from 'uuid';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { parseIntegration } from '@hub/integrations';
import { LOGGER, withLogContext } from '@hub/observability';
import { mapCcaiPayload } from '../../domain/ccai-mapper';
import { parsePushRequest, type PushedMessage } from '../../domain/push-request';
import type { ConnectorCcaiMetrics, PushOutcome } from '../../metrics';
import { CCAI_METRICS, OIDC_VERIFIER } from '../../tokens';
import { CcaiIntegrationRepository } from '../integration.repository';
import {
  assertIssuedFor,
  InvalidTokenError,
  TokenNotForThisSubscriptionError,
  type OidcVerifier,
} from '../oidc-verifier';
import { PushRepository, type PushEvents } from '../push.repository';

/** Namespace of deterministic envelope / suggestion ids (UUID v5 of subscription + message id + index). */
const ID_NAMESPACE = '3b7d2c55-2f0e-4d8e-a7c4-0cca1c0cca1c';

/** A push request as the controller hands it over. */
export interface PushCommand {
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** Answer to a successful push (HTTP 200: Pub/Sub acknowledges the message). */
export interface PushAccepted {
  status: 'published' | 'duplicate' | 'ignored';
  messageId: string;
  events: number;
}

/**
 * Handles one Pub/Sub push delivery with the ack semantics Pub/Sub expects:
 *  1. OIDC bearer token verified (signature, issuer, expiry) → else 401;
 *  2. wrapped or unwrapped body parsed → else 400 naming the field;
 *  3. subscription → tenant from the enabled `ccai` integration → else 404 (permanent);
 *  4. token `aud` / `email` / `email_verified` match that integration → else 403;
 *  5. data decoded (JSON) and mapped (Dialogflow ConversationEvent / HumanAgentAssistantEvent) → else 400;
 *  6. inbox claim + synchronous Kafka publish (acks=-1) in one DB transaction → 200 only after Kafka
 *     has the events; a redelivered message id → 200 without publishing; PostgreSQL/Kafka failure → 503
 *     so Pub/Sub redelivers.
 * 4xx answers make Pub/Sub retry and finally dead-letter the message (subscription dead-letter policy).
 */
@Injectable()
export class ReceivePushUseCase {
  constructor(
    @Inject(OIDC_VERIFIER) private readonly verifier: OidcVerifier,
    private readonly integrations: CcaiIntegrationRepository,
    private readonly push: PushRepository,
    @Inject(CCAI_METRICS) private readonly metrics: ConnectorCcaiMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(cmd: PushCommand): Promise<PushAccepted> {
    try {
      const result = await this.handle(cmd);
      this.metrics.pushes.inc({ outcome: result.status });
      return result;
    } catch (e) {
      this.metrics.pushes.inc({ outcome: outcomeOf(e) });
      throw e;
    }
  }

  private async handle(cmd: PushCommand): Promise<PushAccepted> {
    const auth = cmd.headers['authorization'];
    let claims;
    try {
      claims = await this.verifier.verify(Array.isArray(auth) ? auth[0] : auth);
    } catch (e) {
      if (e instanceof InvalidTokenError) throw new UnauthorizedException(e.message);
      throw e;
    }

    const parsed = parsePushRequest(cmd.body, cmd.headers);
    if (!parsed.ok) throw new BadRequestException(parsed.error);
    const message = parsed.message;

    const row = await this.integrations.findBySubscription(message.subscription);
    if (!row)
      throw new NotFoundException(
        `subscription: ${message.subscription} is not mapped to any enabled ccai integration`,
      );
    const { config } = parseIntegration('ccai', row.config, row.secrets);
    try {
      assertIssuedFor(claims, config);
    } catch (e) {
      if (e instanceof TokenNotForThisSubscriptionError) throw new ForbiddenException(e.message);
      throw e;
    }

    return withLogContext({ tenantId: row.tenantId, correlationId: message.messageId }, async () => {
      let data: unknown;
      try {
        data = JSON.parse(message.data.toString('utf8'));
      } catch {
        throw new BadRequestException(
          `${message.format === 'wrapped' ? 'message.data' : 'body'}: decoded data is not JSON`,
        );
      }
      const mapped = mapCcaiPayload(data, message.messageId);
      if (mapped.kind === 'invalid') throw new BadRequestException(mapped.detail);
      if (mapped.kind === 'ignored') {
        this.logger.debug(
          { vendorEvent: mapped.vendorEvent, messageId: message.messageId },
          'ignoring CCAI event',
        );
        return { status: 'ignored' as const, messageId: message.messageId, events: 0 };
      }
      const events = this.envelopes(row.tenantId, message, mapped);
      let fresh: boolean;
      try {
        fresh = await this.push.commit(`${message.subscription}:${message.messageId}`, events);
      } catch (e) {
        this.logger.warn(
          { err: (e as Error).message, messageId: message.messageId },
          'push not committed; asking Pub/Sub to redeliver',
        );
        throw new ServiceUnavailableException('event could not be written durably; retry');
      }
      const n = events.conversationEvents.length + events.assistSuggestions.length;
      if (fresh) {
        this.metrics.events.inc({ topic: 'conversationEvents' }, events.conversationEvents.length);
        this.metrics.events.inc({ topic: 'assistSuggestions' }, events.assistSuggestions.length);
      }
      return {
        status: fresh ? ('published' as const) : ('duplicate' as const),
        messageId: message.messageId,
        events: fresh ? n : 0,
      };
    });
  }

  private envelopes(
    tenantId: string,
    message: PushedMessage,
    mapped: Exclude<ReturnType<typeof mapCcaiPayload>, { kind: 'invalid' | 'ignored' }>,
  ): PushEvents {
    const idFor = (i: number) => uuidv5(`${message.subscription}:${message.messageId}:${i}`, ID_NAMESPACE);
    const base = {
      version: 1 as const,
      tenantId,
      source: 'connector-ccai',
      causationId: `pubsub:${message.messageId}`,
      occurredAt:
        message.publishTime && !Number.isNaN(Date.parse(message.publishTime))
          ? new Date(message.publishTime).toISOString()
          : undefined,
    };
    if (mapped.kind === 'conversation') {
      return {
        assistSuggestions: [],
        conversationEvents: mapped.events.map((data, i): TopicEvent<'conversationEvents'> => ({
          ...newEnvelope({
            ...base,
            id: idFor(i),
            type: 'conversation.event' as const,
            correlationId: data.interactionId,
            data,
          }),
          version: 1,
        })),
      };
    }
    return {
      conversationEvents: [],
      assistSuggestions: mapped.suggestions.map((s, i): TopicEvent<'assistSuggestions'> => {
        const id = idFor(i);
        const { feature: _feature, ...rest } = s;
        return {
          ...newEnvelope({
            ...base,
            id,
            type: 'assist.suggestion' as const,
            correlationId: s.interactionId,
            data: {
              ...rest,
              suggestionId: id,
              generator: 'dialogflow' as const,
              timings: { retrievalMs: 0, generationMs: 0, totalMs: 0 },
            },
          }),
          version: 1,
        };
      }),
    };
  }
}

function outcomeOf(e: unknown): PushOutcome {
  if (e instanceof UnauthorizedException) return 'unauthorized';
  if (e instanceof ForbiddenException) return 'forbidden';
  if (e instanceof NotFoundException) return 'unknown_subscription';
  if (e instanceof BadRequestException) return 'bad_request';
  return 'unavailable';
}
