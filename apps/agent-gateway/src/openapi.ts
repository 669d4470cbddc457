import type { INestApplication } from '@nestjs/common';
import { z } from 'zod';
import { AgentWorkItemViewSchema, ConversationMessageSchema, TranscriptEntrySchema } from '@hub/contracts';
import { responseSchemaOf, setupOpenApi } from '@hub/http';
import type { AgentPrincipal } from './auth/agent-token.verifier';
import type { AssistSession } from './assist/assist-session.service';
import type { TimelineEntry } from './domain/timeline';
import type { AgentOfferView, QueueView, WorkItemDetail } from './work-items/work-item.reader';

/** Security scheme of the agent's JWT (`Authorization: Bearer <token>`). */
export const AGENT_SECURITY = 'agent';
/** Security scheme of a signed file link (`?token=`), for the bot platform downloading a shared file. */
export const FILE_LINK_SECURITY = 'fileLink';

const instant = z.iso.datetime({ offset: true });

/** `GET /v1/agent/me`: the verified principal. */
export const AgentPrincipalSchema = responseSchemaOf<AgentPrincipal>()(
  z.object({
    tenantId: z.string(),
    agentId: z.string(),
    name: z.string().optional().describe('Display name (`name` claim)'),
    expiresAt: z.number().int().optional().describe('Token expiry, epoch ms'),
  }),
);

/** A live offer to the calling agent. */
export const AgentOfferViewSchema = responseSchemaOf<AgentOfferView>()(
  z.object({
    offerId: z.uuid(),
    expiresAt: instant.describe('When the reservation lapses'),
    workItem: AgentWorkItemViewSchema,
  }),
);

/** `POST /v1/agent/work-items/{id}/assist-session`: how the desktop opens the assist stream. */
export const AssistSessionSchema = responseSchemaOf<AssistSession>()(
  z.object({
    gatewayUrl: z.string().describe('assist-gateway base URL (Socket.IO namespace `/assist`)'),
    token: z.string().describe('Widget token (JWT, provider `hub`), `auth: {token}` on connect'),
    expiresAt: instant,
    interactionId: z.string().describe("The work item's conversation id"),
    queue: z.string().nullable().describe('Queue name sent with forwarded lines (queue-to-KB mapping)'),
  }),
);

/** `GET /v1/agent/work-items`: the agent's inbox. */
export const InboxSchema = z.object({
  offers: z.array(AgentOfferViewSchema),
  assigned: z.array(AgentWorkItemViewSchema),
});

/** `GET /v1/agent/work-items/{id}`: the context panel. */
export const WorkItemDetailSchema = responseSchemaOf<WorkItemDetail>()(
  AgentWorkItemViewSchema.extend({
    agentId: z.string().nullable(),
    offer: z
      .object({ offerId: z.uuid(), expiresAt: instant })
      .nullable()
      .describe("The caller's live offer on it, if any"),
    transfers: z.array(
      z.object({
        fromQueueId: z.uuid().nullable(),
        fromQueueName: z.string().nullable(),
        toQueueId: z.uuid(),
        toQueueName: z.string().nullable(),
        byAgentId: z.string().nullable(),
        reason: z.string().nullable(),
        at: instant,
      }),
    ),
  }),
);

/** `GET /v1/agent/work-items/{id}/messages`: bot transcript, then live messages. */
export const TimelineSchema = z.object({
  timeline: z.array(
    responseSchemaOf<TimelineEntry>()(
      z.discriminatedUnion('source', [
        z.object({
          source: z.literal('bot_transcript'),
          role: TranscriptEntrySchema.shape.role,
          text: z.string(),
          at: z.string(),
        }),
        z.object({ source: z.literal('live'), message: ConversationMessageSchema, at: z.string() }),
      ]),
    ),
  ),
});

/** A transfer target. */
export const QueueViewSchema = responseSchemaOf<QueueView>()(z.object({ id: z.uuid(), name: z.string() }));

/** 202 of transfer/complete: the command is durably in Kafka. */
export const CommandAcceptedSchema = z.object({ status: z.literal('accepted'), commandId: z.uuid() });

/** 201 of a file upload: the `file` message shared with the customer. */
export const FileSharedSchema = z.object({ message: ConversationMessageSchema });

/** Serves the gateway's OpenAPI document at `/docs` and `/docs-json` (see `setupOpenApi` of @hub/http). */
export function setupGatewayOpenApi(app: INestApplication): void {
  setupOpenApi(app, {
    title: 'Engagement Hub — agent gateway',
    description:
      'REST for the Agent Desktop, scoped to the calling agent (Bearer JWT: `sub` agent id, `tid` tenant). ' +
      'Live events (offers, messages, presence) travel on the Socket.IO namespace `/agents`, not here.',
    securitySchemes: {
      [AGENT_SECURITY]: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'Agent JWT (HS256 or a JWKS key): `sub` = agent id, `tid` = tenant slug, `exp` required',
      },
      [FILE_LINK_SECURITY]: {
        type: 'apiKey',
        in: 'query',
        name: 'token',
        description: 'Signed download link carried by a `file` message (for the bot platform)',
      },
    },
  });
}
