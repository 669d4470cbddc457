import { Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  KafkaConfigSchema,
  loadConfig,
  RedisConfigSchema,
} from '@hub/config';
import { MessagingModule } from '@hub/messaging';
import { ObservabilityModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import { RealtimeModule } from '@hub/realtime';
import { createTestWorld, type TestWorld } from '../src';

const Schema = KafkaConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(RedisConfigSchema.shape)
  .extend(HttpConfigSchema.shape);

async function startApp(env: Record<string, string>): Promise<{ app: INestApplication; url: string }> {
  const config = loadConfig('readiness-test', Schema, { PORT: '0', ...env });
  @Module({
    imports: [
      ObservabilityModule.forRoot({ service: 'readiness-test', logLevel: 'silent' }),
      PersistenceModule.forRoot({ config }),
      RealtimeModule.forRoot({ config }),
      MessagingModule.forRoot({ clientId: 'readiness-test', config }),
    ],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

describe('service health, readiness and metrics (real Kafka, PostgreSQL, Redis)', () => {
  let world: TestWorld;
  const apps: INestApplication[] = [];
  beforeAll(async () => {
    world = await createTestWorld();
  });
  afterAll(async () => {
    await Promise.allSettled(apps.map((a) => a.close()));
    await world.drop();
  });

  it('is live and ready when Kafka, PostgreSQL and Redis are reachable; exposes Prometheus metrics', async () => {
    const { app, url } = await startApp(world.env);
    apps.push(app);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { kafka: 'up', kafka_consumers: 'up', postgres: 'up', postgres_pool: 'up', redis: 'up' },
    });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toMatch(/process_cpu_user_seconds_total\{service="readiness-test"\}/);
  });

  it('is not ready (503, naming the dependency) when Redis is unreachable', async () => {
    const { app, url } = await startApp({ ...world.env, REDIS_URL: 'redis://127.0.0.1:1' });
    apps.push(app);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Record<string, string> };
    expect(body.checks.redis).toMatch(/^down/);
    expect(body.checks.postgres).toBe('up');
    expect(body.checks.kafka).toBe('up');
  });
});
