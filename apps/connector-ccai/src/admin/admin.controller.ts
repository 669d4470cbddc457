import { AuthenticatedBy } from '@hub/auth';
import {
  Body,
  Controller,
  ForbiddenException,
  Headers,
  Inject,
  NotFoundException,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ApiJsonBody, ApiJsonResponse, ApiProblem, parseOr400 } from '@hub/http';
import type { ConnectorCcaiConfig } from '../config';
import { CCAI_CONFIG } from '../tokens';
import {
  CreateSubscriptionBodySchema,
  CreateSubscriptionUseCase,
} from './usecases/create-subscription.usecase';

/** Security scheme of the admin API (`Authorization: Bearer <CCAI_ADMIN_TOKEN>`). */
export const ADMIN_SECURITY = 'adminToken';

/** 201 of `POST /v1/admin/ccai/subscriptions`. */
export const SubscriptionCreatedSchema = z.object({
  name: z.string().describe('Full subscription name `projects/{project}/subscriptions/{subscription}`'),
});

/** Admin API (bearer `CCAI_ADMIN_TOKEN`; disabled when unset). */
@ApiTags('admin')
@ApiBearerAuth(ADMIN_SECURITY)
@AuthenticatedBy('ccai-admin-token')
@Controller('v1/admin/ccai')
export class AdminController {
  constructor(
    private readonly createSubscription: CreateSubscriptionUseCase,
    @Inject(CCAI_CONFIG) private readonly config: ConnectorCcaiConfig,
  ) {}

  /** Creates the push subscription of a ccai integration in Google Cloud Pub/Sub. 201 `{name}`. */
  @Post('subscriptions')
  @ApiOperation({
    summary: 'Create the push subscription of a ccai integration in Google Cloud Pub/Sub',
    description:
      'Named by the integration’s `config.subscription`, with the OIDC audience and service account the push ' +
      'endpoint verifies, using the tenant’s service account key (integration secrets).',
  })
  @ApiJsonBody(CreateSubscriptionBodySchema, { name: 'CreateSubscriptionBody' })
  @ApiJsonResponse(201, SubscriptionCreatedSchema, { description: 'Created' })
  @ApiProblem(
    400,
    'Invalid field, or the integration has no usable `secrets.serviceAccountKeyJson` (named in `errors[].field`)',
  )
  @ApiProblem(401, 'No Bearer token')
  @ApiProblem(403, 'Wrong admin token')
  @ApiProblem(404, 'Admin API disabled (CCAI_ADMIN_TOKEN unset), or no ccai integration `integrationId`')
  async create(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<{ name: string }> {
    const token = this.config.CCAI_ADMIN_TOKEN;
    if (!token) throw new NotFoundException('admin API disabled (CCAI_ADMIN_TOKEN not set)');
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) throw new UnauthorizedException('Authorization: a Bearer token is required');
    const given = Buffer.from(m[1]);
    const want = Buffer.from(token);
    if (given.length !== want.length || !timingSafeEqual(given, want))
      throw new ForbiddenException('Authorization: wrong admin token');
    return this.createSubscription.execute(parseOr400(CreateSubscriptionBodySchema, body));
  }
}
