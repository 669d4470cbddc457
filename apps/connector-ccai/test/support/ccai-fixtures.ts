import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@hub/persistence';

/** The tenant, Pub/Sub subscription and OIDC settings the connector-ccai specs share. */
export const CCAI = {
  tenant: 'globex',
  projectId: 'globex-prj',
  subscription: 'projects/globex-prj/subscriptions/agent-assist-push',
  audience: 'https://hub.example.com/v1/pubsub/push',
  pushServiceAccount: 'pubsub-push@globex-prj.iam.gserviceaccount.com',
} as const;

/**
 * Inserts the tenant's `ccai` integration record (subscription → tenant mapping and the OIDC audience and
 * service account the push endpoint verifies). `secrets` is stored as given (e.g. a service-account key).
 * @returns the integration id
 */
export async function createCcaiIntegration(
  prisma: PrismaClient,
  secrets?: Record<string, string>,
  id: string = randomUUID(),
): Promise<string> {
  await prisma.integration.create({
    data: {
      id,
      tenantId: CCAI.tenant,
      type: 'ccai',
      name: 'Google CCAI',
      config: {
        projectId: CCAI.projectId,
        subscription: CCAI.subscription,
        audience: CCAI.audience,
        serviceAccountEmail: CCAI.pushServiceAccount,
      },
      ...(secrets ? { secrets } : {}),
    },
  });
  return id;
}

/**
 * A wrapped Pub/Sub push body (https://cloud.google.com/pubsub/docs/push#receive_push): `message.data` is the
 * base64 of `data` as JSON (or `rawData` as given), with both the camelCase and snake_case metadata fields
 * Pub/Sub sends.
 */
export function pushBody(
  data: unknown,
  messageId: string,
  opts: { subscription?: string; rawData?: string; publishTime?: string } = {},
) {
  const publishTime = opts.publishTime ?? new Date().toISOString();
  return {
    message: {
      attributes: {},
      data: opts.rawData ?? Buffer.from(JSON.stringify(data)).toString('base64'),
      messageId,
      message_id: messageId,
      publishTime,
      publish_time: publishTime,
    },
    subscription: opts.subscription ?? CCAI.subscription,
    deliveryAttempt: 1,
  };
}
