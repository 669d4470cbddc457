import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { parseIntegration } from '@hub/integrations';
import { badRequest } from '@hub/http';
import { PUBSUB_ADMIN } from '../../tokens';
import { CcaiIntegrationRepository } from '../../push/integration.repository';
import type { PubSubAdmin } from '../pubsub-admin.repository';

/** Body of POST /v1/admin/ccai/subscriptions. */
export const CreateSubscriptionBodySchema = z.object({
  integrationId: z.uuid(),
  /** Topic the contact center / Agent Assist publishes to (short id or `projects/p/topics/t`). */
  topic: z.string().min(1).max(255),
  /** Public HTTPS URL of this service's POST /v1/pubsub/push. */
  pushEndpoint: z.url().refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
  unwrapped: z.boolean().default(false),
  deadLetterTopic: z.string().min(1).max(255).optional(),
  maxDeliveryAttempts: z.number().int().min(5).max(100).default(5),
  ackDeadlineSeconds: z.number().int().min(10).max(600).default(30),
});
export type CreateSubscriptionBody = z.infer<typeof CreateSubscriptionBodySchema>;

/**
 * Creates the tenant's push subscription (named by the integration's `config.subscription`) with
 * OIDC authentication matching what the push endpoint verifies (`audience`, `serviceAccountEmail`),
 * using the tenant's service account key from the integration secrets.
 */
@Injectable()
export class CreateSubscriptionUseCase {
  constructor(
    private readonly integrations: CcaiIntegrationRepository,
    @Inject(PUBSUB_ADMIN) private readonly admin: PubSubAdmin,
  ) {}

  /**
   * @throws NotFoundException when the integration does not exist (or is not `ccai`)
   * @throws BadRequestException (400, field `integrationId`) when it has no usable `serviceAccountKeyJson`
   */
  async execute(body: CreateSubscriptionBody): Promise<{ name: string }> {
    const row = await this.integrations.findById(body.integrationId);
    if (!row) throw new NotFoundException(`integrationId: no ccai integration ${body.integrationId}`);
    const { config, secrets } = parseIntegration('ccai', row.config, row.secrets);
    if (!secrets.serviceAccountKeyJson) {
      throw badRequest([
        {
          field: 'integrationId',
          message: 'integration secrets.serviceAccountKeyJson is required to create a subscription',
        },
      ]);
    }
    let credentials: Record<string, unknown>;
    try {
      credentials = JSON.parse(secrets.serviceAccountKeyJson);
    } catch {
      throw badRequest([
        { field: 'integrationId', message: 'integration secrets.serviceAccountKeyJson is not JSON' },
      ]);
    }
    // config.subscription is validated as projects/{project}/subscriptions/{subscription}
    const [, projectId, , subscriptionId] = config.subscription.split('/');
    return this.admin.createPushSubscription({
      projectId,
      credentials,
      topic: body.topic,
      subscriptionId,
      pushEndpoint: body.pushEndpoint,
      oidcToken: { serviceAccountEmail: config.serviceAccountEmail, audience: config.audience },
      unwrapped: body.unwrapped,
      deadLetterPolicy: body.deadLetterTopic
        ? { deadLetterTopic: body.deadLetterTopic, maxDeliveryAttempts: body.maxDeliveryAttempts }
        : undefined,
      ackDeadlineSeconds: body.ackDeadlineSeconds,
    });
  }
}
