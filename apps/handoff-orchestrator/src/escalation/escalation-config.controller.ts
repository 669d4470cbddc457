import { RequireScopes } from '@hub/auth';
import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, ApiTenant, TenantId, ZodValidationPipe } from '@hub/http';
import { EscalationConfigSchema, type EscalationConfig } from './escalation-config';
import { EscalationConfigService, type EffectiveConfig } from './escalation-config.service';

const ConfigViewSchema = z.object({
  config: z.record(z.string(), z.unknown()).describe('The effective configuration (defaults applied)'),
  revision: z.number().int().describe('0 = defaults, never written'),
  updatedAt: z.iso.datetime().nullable(),
});
type ConfigView = z.infer<typeof ConfigViewSchema>;

const present = (e: EffectiveConfig): ConfigView => ({
  config: e.config as unknown as Record<string, unknown>,
  revision: e.revision,
  updatedAt: e.updatedAt ? new Date(e.updatedAt).toISOString() : null,
});

/**
 * `/v1/escalation/config`: the tenant's escalation configuration (thresholds, detectors on/off, keyword rules,
 * routing conditions forcing a path, message templates, scope examples), validated by EscalationConfigSchema
 * (400 naming the field, e.g. `rules.0.when.time.from`). Tenant administration: scope `integrations:admin`.
 */
@ApiTags('escalation')
@ApiTenant()
@Controller('v1/escalation/config')
export class EscalationConfigController {
  constructor(private readonly configs: EscalationConfigService) {}

  @RequireScopes('integrations:admin')
  @Get()
  @ApiOperation({ summary: 'The tenant’s escalation configuration (defaults when never written)' })
  @ApiJsonResponse(200, ConfigViewSchema, { name: 'EscalationConfigView', description: 'The configuration' })
  async get(@TenantId() tenantId: string): Promise<ConfigView> {
    return present(await this.configs.get(tenantId));
  }

  @RequireScopes('integrations:admin')
  @Put()
  @ApiOperation({
    summary: 'Replace the tenant’s escalation configuration',
    description:
      'Every field is optional (defaults apply); the whole document is replaced. See docs/escalation-policy.md.',
  })
  @ApiJsonBody(EscalationConfigSchema, { name: 'EscalationConfig' })
  @ApiJsonResponse(200, ConfigViewSchema, { name: 'EscalationConfigView', description: 'Stored' })
  @ApiProblem(400, 'Invalid configuration; `errors[].field` names each bad field')
  async put(
    @TenantId() tenantId: string,
    @Body(new ZodValidationPipe(EscalationConfigSchema)) body: EscalationConfig,
  ): Promise<ConfigView> {
    return present(await this.configs.put(tenantId, body));
  }
}
