import { RequireScopes } from '@hub/auth';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { newEnvelope } from '@hub/contracts';
import { MessagingService } from '@hub/messaging';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, parseOr400, TenantId } from '@hub/http';
import { UtteranceAcceptedSchema } from '../openapi';

/**
 * Body of `POST /v1/interactions/:interactionId/utterances`: a chat message forwarded by an agent
 * widget (Five9 ADT `onChatEvent`, Salesforce LWC, Genesys web messaging; seed 001 "Digital").
 */
export const UtteranceBodySchema = z.object({
  speaker: z.enum(['customer', 'agent']),
  text: z.string().trim().min(1).max(20_000),
  /** Chat messages are final; speech relays may send partials. Default true. */
  isFinal: z.boolean().default(true),
  provider: z.enum(['five9', 'salesforce', 'genesys', 'widget']),
  /** Vendor message id; repeated posts with the same id are one utterance. Generated if absent. */
  utteranceId: z.string().trim().min(1).max(200).optional(),
  agentId: z.string().max(128).optional(),
  /** Vendor queue or skill name (queue-to-KB mapping). */
  queue: z.string().max(200).optional(),
  language: z.string().max(35).optional(),
});

const InteractionIdSchema = z.string().trim().min(1).max(200);

/**
 * Plain ingestion endpoint: turns a forwarded chat message into a `conversation.event` (kind
 * `utterance`) on `hub.conversation.events.v1`, keyed by interaction, validated against the
 * contract before sending. 202 with the event and utterance ids once Kafka acknowledged it.
 * No state is written here, so no outbox is needed: a failed send is a 5xx the widget retries,
 * and the utterance id makes the retry idempotent downstream.
 */
@ApiTags('utterances')
@ApiTenant()
@Controller('v1/interactions')
export class UtteranceController {
  constructor(private readonly messaging: MessagingService) {}

  @RequireScopes('conversations:write')
  @Post(':interactionId/utterances')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ingest a chat message forwarded by an agent widget',
    description:
      'Published as a `conversation.event` (kind `utterance`) on hub.conversation.events.v1; suggestions follow on ' +
      'hub.assist.suggestions.v1. A repeated `utteranceId` is one utterance downstream.',
  })
  @ApiJsonBody(UtteranceBodySchema, { name: 'UtteranceBody' })
  @ApiJsonResponse(202, UtteranceAcceptedSchema, { description: 'Acknowledged by Kafka' })
  @ApiProblem(400, 'Invalid field or `interactionId` (named in `errors[].field`)')
  async post(
    @TenantId() tenantId: string,
    @Param('interactionId') interactionId: string,
    @Body() body: unknown,
  ) {
    const id = parseOr400(InteractionIdSchema, interactionId, 'interactionId');
    const b = parseOr400(UtteranceBodySchema, body);
    const utteranceId = b.utteranceId ?? randomUUID();
    const event = {
      ...newEnvelope({
        type: 'conversation.event' as const,
        version: 1,
        tenantId,
        source: 'suggestion-service',
        correlationId: id,
        data: {
          kind: 'utterance' as const,
          interactionId: id,
          provider: b.provider,
          utteranceId,
          speaker: b.speaker,
          text: b.text,
          isFinal: b.isFinal,
          ...(b.agentId ? { agentId: b.agentId } : {}),
          ...(b.queue ? { queue: b.queue } : {}),
          ...(b.language ? { language: b.language } : {}),
        },
      }),
      version: 1 as const,
    };
    await this.messaging.producer.publish('conversationEvents', event);
    return { eventId: event.id, utteranceId, interactionId: id };
  }
}
