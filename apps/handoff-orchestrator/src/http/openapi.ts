import type { INestApplication } from '@nestjs/common';
import { z } from 'zod';
import { HandoffStatusSchema } from '@hub/contracts';
import { responseSchemaOf, setupOpenApi as setupDocument } from '@hub/http';
import type { HandoffView } from '../handoffs/handoff.presenter';
import type { IntegrationView } from '../integrations/integration.presenter';

const instant = z.iso.datetime();
const nullableInstant = instant.nullable();

/** `HandoffView` (`GET /v1/handoffs/{id}`, `POST /v1/handoffs`), checked against the presenter's type. */
export const HandoffViewSchema = responseSchemaOf<HandoffView>()(
  z.object({
    id: z.uuid(),
    integrationId: z.uuid(),
    botSessionId: z.string(),
    conversationId: z.string(),
    channel: z.string(),
    status: z.enum([...HandoffStatusSchema.options, 'withdrawing']).describe('`withdrawing` is internal'),
    outcomeStatus: z.string().nullable().describe('Last status announced to the bot'),
    reason: z.string().nullable(),
    detail: z.string().nullable(),
    workItemId: z.uuid(),
    queueId: z.uuid().nullable(),
    agentId: z.string().nullable(),
    routing: z.unknown(),
    intent: z.string().nullable(),
    escalationReason: z.string().nullable(),
    summary: z.object({ text: z.string().nullable(), source: z.string() }),
    sentiment: z.object({ score: z.number().nullable(), source: z.string() }),
    attributes: z.unknown(),
    contact: z.unknown(),
    transcript: z.unknown(),
    priority: z.number().int(),
    timeoutSeconds: z.number().int().nullable(),
    timeoutAt: nullableInstant,
    callbackUrl: z.string().nullable(),
    createdAt: instant,
    updatedAt: instant,
    routedAt: nullableInstant,
    offeredAt: nullableInstant,
    acceptedAt: nullableInstant,
    failedAt: nullableInstant,
    transitions: z
      .array(
        z.object({
          from: z.string().nullable(),
          to: z.string(),
          reason: z.string().nullable(),
          detail: z.string().nullable(),
          at: instant,
        }),
      )
      .optional()
      .describe('State history (on `GET /v1/handoffs/{id}`)'),
  }),
);

/** `IntegrationView`: an integration with its secrets redacted, checked against the presenter's type. */
export const IntegrationViewSchema = responseSchemaOf<IntegrationView>()(
  z.object({
    id: z.uuid(),
    type: z.string(),
    name: z.string(),
    config: z.unknown(),
    secretFields: z
      .array(z.string())
      .describe('Names of the secrets that hold a value (values never returned)'),
    enabled: z.boolean(),
    createdAt: instant,
    updatedAt: instant,
  }),
);

/** Serves the OpenAPI document at `/docs` (Swagger UI) and `/docs-json` (see `setupOpenApi` of @hub/http). */
export function setupOpenApi(app: INestApplication): void {
  setupDocument(app, {
    title: 'Engagement Hub — handoff orchestrator',
    description:
      'Bot-to-agent handoffs (intake, state, outcome) and integrations. Every request carries the tenant in ' +
      'the credential (API key or OAuth token, see `security`); `X-Tenant-Id`, if sent, must match it.',
  });
}
