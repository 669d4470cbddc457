import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  Headers,
  Inject,
  NotFoundException,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { formatIssues } from '@hub/contracts';
import type { ConnectorCcaiConfig } from '../config';
import { CCAI_CONFIG } from '../tokens';
import {
  CreateSubscriptionBodySchema,
  CreateSubscriptionUseCase,
} from './usecases/create-subscription.usecase';

/** Admin API (bearer `CCAI_ADMIN_TOKEN`; disabled when unset). */
@Controller('v1/admin/ccai')
export class AdminController {
  constructor(
    private readonly createSubscription: CreateSubscriptionUseCase,
    @Inject(CCAI_CONFIG) private readonly config: ConnectorCcaiConfig,
  ) {}

  /** Creates the push subscription of a ccai integration in Google Cloud Pub/Sub. 201 `{name}`. */
  @Post('subscriptions')
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
    const parsed = CreateSubscriptionBodySchema.safeParse(body);
    if (!parsed.success) throw new BadRequestException(formatIssues(parsed.error.issues));
    return this.createSubscription.execute(parsed.data);
  }
}
