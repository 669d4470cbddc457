import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@hub/config';
import { withIntegrationStore } from '@hub/integrations';
import type { TestWorld } from '@hub/testing';
import type { PubSubAdmin } from '../../src/admin/pubsub-admin.repository';
import { AppModule } from '../../src/app.module';
import { ConnectorCcaiConfigSchema } from '../../src/config';
import { configureHttp } from '../../src/http-setup';
import { PUBSUB_ADMIN } from '../../src/tokens';

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
 * service account the push endpoint verifies). `secrets` is stored encrypted as given (e.g. a service-account key).
 * @returns the integration id
 */
export async function createCcaiIntegration(
  world: Pick<TestWorld, 'databaseUrl' | 'env'>,
  secrets?: Record<string, string>,
  id: string = randomUUID(),
): Promise<string> {
  await withIntegrationStore(world.databaseUrl, world.env, (store) =>
    store.create(CCAI.tenant, {
      id,
      type: 'ccai',
      name: 'Google CCAI',
      config: {
        projectId: CCAI.projectId,
        subscription: CCAI.subscription,
        audience: CCAI.audience,
        serviceAccountEmail: CCAI.pushServiceAccount,
      },
      secrets: secrets ?? {},
      enabled: true,
    }),
  );
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

/**
 * Starts connector-ccai in-process on a free 127.0.0.1 port, as main.ts configures it (raw push body,
 * OpenAPI), against the test world, with `pubSubAdmin` in place of Google's Pub/Sub admin API.
 * @param opts.jwksFile   OIDC keys the push endpoint trusts (`CCAI_OIDC_JWKS_FILE`)
 * @param opts.adminToken bearer token of the admin API (`CCAI_ADMIN_TOKEN`)
 * @returns the app (close it in afterAll) and its base URL `http://127.0.0.1:<port>`
 */
export async function startCcaiApp(
  world: TestWorld,
  opts: { jwksFile: string; adminToken: string; pubSubAdmin: PubSubAdmin },
): Promise<{ app: INestApplication; base: string }> {
  const config = loadConfig('connector-ccai', ConnectorCcaiConfigSchema, {
    ...world.env,
    PORT: '0',
    CCAI_OIDC_JWKS_FILE: opts.jwksFile,
    CCAI_ADMIN_TOKEN: opts.adminToken,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(PUBSUB_ADMIN)
    .useValue(opts.pubSubAdmin)
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await configureHttp(app, config);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  return { app, base };
}
