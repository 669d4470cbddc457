import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@hub/config';
import { bootstrapService, createLogger } from '@hub/observability';
import { createPrismaClient } from '@hub/persistence';
import { withIntegrationStore } from '@hub/integrations';
import type { TestWorld } from '@hub/testing';
import { AppModule } from '../../src/app.module';
import { AudioHookConfigSchema } from '../../src/config';

/** A tenant's `genesys_audiohook` integration as seeded for a test. */
export interface SeededTenant {
  tenantId: string;
  organizationId: string;
  apiKey: string;
  /** base64, or undefined for API-key-only tenants */
  clientSecret?: string;
}

/** Inserts a tenant and its enabled `genesys_audiohook` integration. */
export async function seedAudioHookTenant(
  world: TestWorld,
  opts: {
    tenantId: string;
    signed?: boolean;
    sttProvider?: 'moonshine' | 'pocketsphinx' | 'google' | 'openai' | 'vosk';
    sendTranscriptEvents?: boolean;
    vocabulary?: string[];
  },
): Promise<SeededTenant> {
  const prisma = createPrismaClient(world.databaseUrl, 2);
  const t: SeededTenant = {
    tenantId: opts.tenantId,
    organizationId: randomUUID(),
    apiKey: `ak-${randomBytes(12).toString('hex')}`,
    clientSecret: opts.signed === false ? undefined : randomBytes(32).toString('base64'),
  };
  try {
    await prisma.tenant.upsert({
      where: { id: t.tenantId },
      create: { id: t.tenantId, name: t.tenantId },
      update: {},
    });
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.create(t.tenantId, {
        id: randomUUID(),
        type: 'genesys_audiohook',
        name: `genesys-${t.tenantId}`,
        config: {
          organizationId: t.organizationId,
          sttProvider: opts.sttProvider ?? 'pocketsphinx',
          sendTranscriptEvents: opts.sendTranscriptEvents ?? false,
          language: 'en-US',
          ...(opts.vocabulary ? { vocabulary: opts.vocabulary } : {}),
        },
        secrets: t.clientSecret ? { apiKey: t.apiKey, clientSecret: t.clientSecret } : { apiKey: t.apiKey },
        enabled: true,
      }),
    );
  } finally {
    await prisma.$disconnect();
  }
  return t;
}

/** Starts connector-audiohook in-process on a free port with the world's env plus `extra`. */
export async function startAudioHook(
  world: TestWorld,
  extra: Record<string, string> = {},
): Promise<{ app: INestApplication; port: number; url: string }> {
  const config = loadConfig('connector-audiohook', AudioHookConfigSchema, {
    ...world.env,
    PORT: '0',
    ...extra,
  });
  const logger = createLogger('connector-audiohook', config.LOG_LEVEL);
  const { app, port } = await bootstrapService({
    module: AppModule.forRoot(config, { logger }),
    logger,
    port: 0,
    host: '127.0.0.1',
  });
  return { app, port, url: `ws://127.0.0.1:${port}${config.AUDIOHOOK_PATH}` };
}
