import { RequireScopes } from '@hub/auth';
import { Body, Controller, Get, HttpCode, Param, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { TargetError } from '@hub/ccaas';
import {
  ApiJsonBody,
  ApiJsonResponse,
  ApiProblem,
  ApiTenant,
  TenantId,
  ZodValidationPipe,
  badRequest,
} from '@hub/http';
import { IntegrationStore, OutboundHttp } from '@hub/integrations';
import { IntegrationViewSchema } from '../http/openapi';
import { NotFoundProblem, UnprocessableProblem } from '../http/problems';
import type { IntegrationView } from '../integrations/integration.presenter';
import { IntegrationsService } from '../integrations/integrations.service';
import { CcaasContactRepository } from './ccaas-contact.repository';
import { CcaasTargets } from './ccaas-targets';

export const TestConnectionReportSchema = z.object({
  ok: z.boolean(),
  steps: z.array(
    z.object({
      step: z.string().describe('credentials | region | instance | permission | queues | flow | webhook …'),
      ok: z.boolean(),
      detail: z.string().optional(),
    }),
  ),
  failedStep: z.string().optional().describe('The first failing step, when ok is false'),
});
export const PlatformQueueSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['queue', 'flow', 'skill_group', 'script']).optional(),
  published: z.boolean().optional().describe('Flows: published (only published flows can be mapped)'),
});
export const ContactAttributesSchema = z.object({
  handoffId: z.uuid(),
  externalContactId: z.string(),
  attributes: z.record(z.string(), z.string()).describe("The contact's attributes at the platform now"),
});
export const SetupBodySchema = z
  .object({
    publicBaseUrl: z
      .url()
      .describe('Public origin of the hub (the platform calls {publicBaseUrl}/v1/ccaas/webhooks/{id})'),
    name: z.string().trim().min(1).max(100).default('Engagement Hub'),
    queueId: z
      .string()
      .min(1)
      .optional()
      .describe('8x8: queue of the channel (default config.defaultQueueId)'),
  })
  .strict();
export type SetupBody = z.infer<typeof SetupBodySchema>;
export const SetupResultSchema = z.object({
  webhookUrl: z.string(),
  stored: z.record(z.string(), z.string()).describe('Config fields the platform assigned, now stored'),
  integration: IntegrationViewSchema,
});

const isUuid = (s: string) => z.uuid().safeParse(s).success;

/**
 * Contact-center integrations' live checks (admin UI): `POST /v1/integrations/{id}/test` (Test
 * Connection — authenticate, reach the region/host, list queues, check flows; names the failing step),
 * `GET /v1/integrations/{id}/queues` and `/flows` (the platform's queues and contact flows for the mapping
 * pickers), `GET /v1/integrations/{id}/handoffs/{handoffId}/contact-attributes` (the platform contact's
 * attributes after the handoff) and `POST /v1/integrations/{id}/setup` (one-time platform setup; the ids it
 * assigns are stored in the config). External types only (422 otherwise, and 422 "not supported by <type>"
 * where the vendor has no such API); scope `integrations:admin`.
 */
@ApiTags('integrations')
@ApiTenant()
@Controller('v1/integrations')
export class CcaasIntegrationsController {
  constructor(
    private readonly store: IntegrationStore,
    private readonly targets: CcaasTargets,
    private readonly contacts: CcaasContactRepository,
    private readonly integrations: IntegrationsService,
    private readonly outbound: OutboundHttp,
  ) {}

  private static refused(e: unknown): never {
    if (!(e instanceof TargetError)) throw e;
    if (e.retriable) throw new ServiceUnavailableException(e.message);
    throw new UnprocessableProblem(e.message, e.field ?? 'secrets');
  }

  private static unsupported(type: string, what: string): UnprocessableProblem {
    return new UnprocessableProblem(`${what} is not supported by ${type}`, 'id');
  }

  private async load(tenantId: string, id: string) {
    const summary = isUuid(id) ? await this.store.get(tenantId, id) : null;
    if (!summary || summary.type === 'webhook_signing')
      throw new NotFoundProblem(`integration ${id} not found`);
    if (!this.targets.isExternal(summary.type)) {
      throw new UnprocessableProblem(
        `integration ${id} is of type ${summary.type}; live checks are for external contact-center integrations`,
        'id',
      );
    }
    const integration = await this.targets.load(tenantId, id, summary.type, { enabledOnly: false });
    if (!integration) throw new NotFoundProblem(`integration ${id} not found`);
    return { adapter: this.targets.adapter(summary.type), integration, type: summary.type };
  }

  @RequireScopes('integrations:admin')
  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test Connection: authenticate, reach the platform, list queues; names the failing step',
  })
  @ApiJsonResponse(200, TestConnectionReportSchema, {
    name: 'TestConnectionReport',
    description: 'The steps and the first failing one',
  })
  @ApiProblem(404, 'Unknown integration')
  @ApiProblem(422, 'Not an external contact-center integration')
  async test(
    @TenantId() tenantId: string,
    @Param('id') id: string,
  ): Promise<z.infer<typeof TestConnectionReportSchema>> {
    const { adapter, integration } = await this.load(tenantId, id);
    return adapter.testConnection(integration);
  }

  @RequireScopes('integrations:admin')
  @Get(':id/queues')
  @ApiOperation({ summary: "The platform's queues (for queue mappings)" })
  @ApiJsonResponse(200, z.array(PlatformQueueSchema), { description: 'Queues of the platform' })
  @ApiProblem(404, 'Unknown integration')
  @ApiProblem(422, 'Not an external integration, or the platform refused (the field to fix is named)')
  @ApiProblem(503, 'The platform is unreachable or throttling')
  async queues(
    @TenantId() tenantId: string,
    @Param('id') id: string,
  ): Promise<z.infer<typeof PlatformQueueSchema>[]> {
    const { adapter, integration } = await this.load(tenantId, id);
    try {
      return await adapter.listQueues(integration);
    } catch (e) {
      return CcaasIntegrationsController.refused(e);
    }
  }

  @RequireScopes('integrations:admin')
  @Get(':id/flows')
  @ApiOperation({
    summary: "The platform's contact flows (for flow mappings; Amazon Connect ListContactFlows)",
  })
  @ApiJsonResponse(200, z.array(PlatformQueueSchema), { description: 'Flows of the platform' })
  @ApiProblem(404, 'Unknown integration')
  @ApiProblem(422, 'The platform has no flow directory (not supported by <type>), or it refused')
  @ApiProblem(503, 'The platform is unreachable or throttling')
  async flows(
    @TenantId() tenantId: string,
    @Param('id') id: string,
  ): Promise<z.infer<typeof PlatformQueueSchema>[]> {
    const { adapter, integration, type } = await this.load(tenantId, id);
    if (!adapter.listFlows) throw CcaasIntegrationsController.unsupported(type, 'listing flows');
    try {
      return await adapter.listFlows(integration);
    } catch (e) {
      return CcaasIntegrationsController.refused(e);
    }
  }

  @RequireScopes('integrations:admin')
  @Get(':id/handoffs/:handoffId/contact-attributes')
  @ApiOperation({
    summary: "The platform contact's attributes after the handoff (Amazon Connect GetContactAttributes)",
  })
  @ApiJsonResponse(200, ContactAttributesSchema, {
    name: 'ContactAttributes',
    description: 'Attributes as the platform holds them',
  })
  @ApiProblem(404, 'Unknown integration, or no platform contact of this integration for the handoff')
  @ApiProblem(422, 'Not supported by the integration type, or the platform refused')
  @ApiProblem(503, 'The platform is unreachable or throttling')
  async contactAttributes(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Param('handoffId') handoffId: string,
  ): Promise<z.infer<typeof ContactAttributesSchema>> {
    const { adapter, integration, type } = await this.load(tenantId, id);
    const stored = isUuid(handoffId) ? await this.contacts.byHandoff(tenantId, handoffId) : null;
    if (!stored || stored.integrationId !== integration.id) {
      throw new NotFoundProblem(`no platform contact of integration ${id} for handoff ${handoffId}`);
    }
    if (!adapter.contactAttributes)
      throw CcaasIntegrationsController.unsupported(type, 'reading contact attributes');
    try {
      return {
        handoffId,
        externalContactId: stored.contact.externalContactId,
        attributes: await adapter.contactAttributes(stored.contact, integration),
      };
    } catch (e) {
      return CcaasIntegrationsController.refused(e);
    }
  }

  @RequireScopes('integrations:admin')
  @Post(':id/setup')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "One-time setup at the platform (Genesys: Open Messaging integration; 8x8: webhook + Chat API channel); the ids it assigns are stored in the integration's config",
  })
  @ApiJsonBody(SetupBodySchema, { name: 'CcaasSetupBody' })
  @ApiJsonResponse(200, SetupResultSchema, { name: 'CcaasSetupResult', description: 'Set up and stored' })
  @ApiProblem(400, 'Invalid field (named in `errors[].field`)')
  @ApiProblem(404, 'Unknown integration')
  @ApiProblem(
    422,
    'Not supported by the integration type (Amazon Connect: EventBridge set-up), or the platform refused (field named)',
  )
  @ApiProblem(503, 'The platform is unreachable or throttling')
  async setup(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body(new ZodValidationPipe(SetupBodySchema)) body: SetupBody,
  ): Promise<{ webhookUrl: string; stored: Record<string, string>; integration: IntegrationView }> {
    const { adapter, integration, type } = await this.load(tenantId, id);
    if (!adapter.setup) throw CcaasIntegrationsController.unsupported(type, 'platform setup');
    // The platform will call this origin: the outbound policy's rules apply (https, public addresses in production).
    const refusal = this.outbound.refusal(body.publicBaseUrl);
    if (refusal) throw badRequest([{ field: 'publicBaseUrl', message: refusal }]);
    const webhookUrl = `${body.publicBaseUrl.replace(/\/+$/, '')}/v1/ccaas/webhooks/${integration.id}`;
    let stored: Record<string, string>;
    try {
      stored = await adapter.setup(integration, { name: body.name, webhookUrl, queueId: body.queueId });
    } catch (e) {
      return CcaasIntegrationsController.refused(e);
    }
    const view = await this.integrations.update(tenantId, integration.id, {
      config: { ...integration.config, ...stored },
    });
    return { webhookUrl, stored, integration: view };
  }
}
