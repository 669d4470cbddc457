import { AuthenticatedBy } from '@hub/auth';
import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ReceivePushUseCase, type PushAccepted } from './usecases/receive-push.usecase';

/** Pub/Sub push endpoint (HTTPS in production). The raw body parser for this path is set in http-setup.ts. */
@AuthenticatedBy('pubsub-oidc')
@Controller('v1/pubsub')
export class PushController {
  constructor(private readonly receive: ReceivePushUseCase) {}

  /**
   * Receives one push delivery (wrapped JSON body or unwrapped data + `x-goog-pubsub-*` headers).
   * 200 = acknowledged (published, duplicate or ignored); 400/403/404 = permanent (dead letter after the
   * subscription's max delivery attempts); 401 = bad token; 503 = transient (redelivered).
   */
  @Post('push')
  @HttpCode(200)
  async push(@Req() req: Request): Promise<PushAccepted> {
    const body = Buffer.isBuffer(req.body)
      ? req.body
      : Buffer.from(typeof req.body === 'string' ? req.body : '');
    return this.receive.execute({ body, headers: req.headers });
  }
}
