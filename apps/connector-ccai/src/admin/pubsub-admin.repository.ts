import { PubSub } from '@google-cloud/pubsub';

/** Everything needed to create an authenticated push subscription for one tenant. */
export interface CreatePushSubscriptionRequest {
  /** Google Cloud project of the subscription. */
  projectId: string;
  /** Parsed service account key JSON of the tenant (client_email, private_key, …). */
  credentials: Record<string, unknown>;
  /** Topic name, short (`agent-assist-events`) or full (`projects/p/topics/t`). */
  topic: string;
  /** Subscription id (last segment of `projects/{p}/subscriptions/{s}`). */
  subscriptionId: string;
  /** HTTPS URL of POST /v1/pubsub/push. */
  pushEndpoint: string;
  /** OIDC token Pub/Sub attaches to every push (checked by this service). */
  oidcToken: { serviceAccountEmail: string; audience: string };
  /** Deliver the raw data with metadata in `x-goog-pubsub-*` headers instead of the JSON wrapper. */
  unwrapped: boolean;
  deadLetterPolicy?: { deadLetterTopic: string; maxDeliveryAttempts: number };
  /** Seconds Pub/Sub waits for a push answer before redelivering. */
  ackDeadlineSeconds: number;
}

/** Creates push subscriptions in Google Cloud Pub/Sub (behind an interface: Google is not reachable in tests). */
export interface PubSubAdmin {
  /** @returns the full subscription name that was created */
  createPushSubscription(req: CreatePushSubscriptionRequest): Promise<{ name: string }>;
}

/** {@link PubSubAdmin} over `@google-cloud/pubsub` with the tenant's own service account credentials. */
export class GooglePubSubAdmin implements PubSubAdmin {
  async createPushSubscription(req: CreatePushSubscriptionRequest): Promise<{ name: string }> {
    const pubsub = new PubSub({ projectId: req.projectId, credentials: req.credentials });
    try {
      const [subscription] = await pubsub.topic(req.topic).createSubscription(req.subscriptionId, {
        ackDeadlineSeconds: req.ackDeadlineSeconds,
        pushConfig: {
          pushEndpoint: req.pushEndpoint,
          oidcToken: req.oidcToken,
          ...(req.unwrapped ? { noWrapper: { writeMetadata: true } } : {}),
        },
        ...(req.deadLetterPolicy ? { deadLetterPolicy: req.deadLetterPolicy } : {}),
      });
      return { name: subscription.name };
    } finally {
      await pubsub.close().catch(() => undefined);
    }
  }
}
