import { RequireScopes } from '@hub/auth';
import { Controller, Get, HttpCode, Param, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { TargetError } from '@hub/ccaas';
import { ApiJsonResponse, ApiProblem, ApiTenant, TenantId } from '@hub/http';
import { IntegrationStore } from '@hub/integrations';
import { NotFoundProblem, UnprocessableProblem } from '../http/problems';
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
});

const isUuid = (s: string) => z.uuid().safeParse(s).success;

/**
 * Contact-center integrations' live checks (admin UI): `POST /v1/integrations/{id}/test` (Test
 * Connection — authenticate, reach the region/host, list queues, check flows; names the failing step) and
 * `GET /v1/integrations/{id}/queues` (the platform's queues for the mapping pickers). External types only
 * (422 otherwise); scope `integrations:admin`.
 */
@ApiTags('integrations')
@ApiTenant()
@Controller('v1/integrations')
export class CcaasIntegrationsController {
  constructor(
    private readonly store: IntegrationStore,
    private readonly targets: CcaasTargets,
  ) {}

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
    return { adapter: this.targets.adapter(summary.type), integration };
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
      if (!(e instanceof TargetError)) throw e;
      if (e.retriable) throw new ServiceUnavailableException(e.message);
      throw new UnprocessableProblem(e.message, e.field ?? 'secrets');
    }
  }
}
