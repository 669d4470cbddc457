import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  Param,
  Post,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Agent, request as httpRequest } from 'node:http';
import type { Request } from 'express';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { HttpProtectionConfigSchema } from '@hub/config';
import { METRICS } from '@hub/observability';
import { countBytes, BodyTooLargeError } from './body-limits';
import { protectHttp, type HttpProtection } from './protect-http';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Intake requests wait here until the test releases them (a saturated downstream). */
let gate: Promise<void> = Promise.resolve();
let openGate: () => void = () => undefined;
function closeGate() {
  gate = new Promise((r) => (openGate = r));
}

@Controller('v1')
class TestController {
  @Post('intake')
  async intake(@Body() body: unknown) {
    await gate;
    return { ok: true, body };
  }
  @Get('admin')
  admin() {
    return { ok: true };
  }
  /** Fails the way a saturated pg pool does (a transient infrastructure error), or with a plain bug. */
  @Get('fails/:kind')
  fails(@Param('kind') kind: string) {
    if (kind === 'pool') throw new Error('timeout exceeded when trying to connect');
    throw new Error('a bug');
  }
}

/** Requests that reached the (stand-in) authentication guard, i.e. got past admission into Nest. */
let guardCalls = 0;
/** Requests that reached express at all (a middleware registered before `protectHttp`). */
let expressCalls = 0;

/** Stands in for the authentication guard: `x-test-credential: <tenant>/<credential>` → `req.principal`. */
@Injectable()
class FakeAuthGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    guardCalls += 1;
    const req = ctx.switchToHttp().getRequest<Request & { principal?: unknown }>();
    const h = req.headers['x-test-credential'];
    if (typeof h === 'string') {
      const [tenantId, credentialId] = h.split('/');
      req.principal = { tenantId, credentialId, kind: 'api_key', scopes: [] };
    }
    return true;
  }
}

interface Replica {
  app: INestApplication;
  url: string;
  registry: Registry;
  protection: HttpProtection;
}

async function replica(
  namespace: string,
  env: Record<string, string>,
  redisUrl = REDIS_URL,
): Promise<Replica> {
  const registry = new Registry();
  @Module({
    controllers: [TestController],
    providers: [
      { provide: METRICS, useValue: registry },
      { provide: APP_GUARD, useClass: FakeAuthGuard },
    ],
  })
  class TestModule {}
  const app = await NestFactory.create(TestModule, { logger: false });
  app.use((_req: Request, _res: unknown, next: () => void) => {
    expressCalls += 1;
    next();
  });
  const protection = await protectHttp(app, {
    service: 'test-service',
    config: HttpProtectionConfigSchema.parse(env),
    redis: { url: redisUrl, namespace },
    intakeRoutes: ['POST /v1/intake'],
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, registry, protection };
}

async function call(url: string, method = 'GET', headers: Record<string, string> = {}, body?: string) {
  const t = performance.now();
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    ms: performance.now() - t,
  };
}

describe('protectHttp (rate limits shared through Redis, admission control, body caps)', () => {
  const namespace = `t${randomUUID().slice(0, 8)}:`;
  const replicas: Replica[] = [];
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    const env = {
      RATE_LIMIT_ADMIN_PER_CREDENTIAL: '5',
      RATE_LIMIT_ADMIN_PER_TENANT: '8',
      RATE_LIMIT_INTAKE_PER_CREDENTIAL: '1000',
      RATE_LIMIT_WINDOW_S: '60',
      OVERLOAD_MAX_IN_FLIGHT: '3',
      OVERLOAD_RETRY_AFTER_S: '2',
      HTTP_JSON_LIMIT_BYTES: '1024',
    };
    a = await replica(namespace, env);
    b = await replica(namespace, env);
    replicas.push(a, b);
  });

  afterAll(async () => {
    openGate();
    for (const r of replicas) await r.app.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${namespace}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('two replicas share one per-credential budget: the 6th admin call from one caller is 429 on either replica', async () => {
    const headers = { 'x-test-credential': 'acme/key-1' };
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 8; i++) {
      last = await call(`${(i % 2 ? b : a).url}/v1/admin`, 'GET', headers);
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers.get('ratelimit-limit')).toBe('5');
        expect(last.headers.get('ratelimit-remaining')).toBe('4');
        expect(last.headers.get('ratelimit-policy')).toBe('5;w=60');
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(last!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(last!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(last!.headers.get('ratelimit-remaining')).toBe('0');
    expect(last!.body).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      scope: 'credential',
      limit: 5,
    });
    expect(await a.registry.getSingleMetricAsString('http_rate_limited_total')).toMatch(
      /scope="credential"} [1-9]/,
    );
  });

  it('the tenant budget spans its credentials; another tenant is unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await call(`${(i % 2 ? b : a).url}/v1/admin`, 'GET', {
        'x-test-credential': `globex/globex-key-${i}`,
      });
      statuses.push(r.status);
      if (r.status === 429) expect(r.body['scope']).toBe('tenant');
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(8);
    expect(statuses.slice(8)).toEqual([429, 429]);
    expect(
      (await call(`${a.url}/v1/admin`, 'GET', { 'x-test-credential': 'initech/initech-key-1' })).status,
    ).toBe(200);
  });

  it('without a principal the X-Tenant-Id header and the client IP are the keys', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await call(`${(i % 2 ? b : a).url}/v1/admin`, 'GET', { 'x-tenant-id': 'umbrella' })).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('Redis unreachable: each replica limits in memory with the same limits and counts the fallback', async () => {
    const down = await replica(
      `t${randomUUID().slice(0, 8)}:`,
      { RATE_LIMIT_ADMIN_PER_CREDENTIAL: '3' },
      'redis://127.0.0.1:1', // nothing listens there
    );
    replicas.push(down);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await call(`${down.url}/v1/admin`, 'GET', { 'x-test-credential': 'acme/acme-k' })).status,
      );
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(await down.registry.getSingleMetricAsString('http_rate_limit_store_errors_total')).toMatch(
      /http_rate_limit_store_errors_total(\{[^}]*\})? [1-9]/,
    );
  });

  afterEach(() => openGate()); // never leave intake requests held for the next test

  it('a saturated intake sheds new requests with a fast 503 + Retry-After, then recovers', async () => {
    closeGate();
    const headers = { 'x-test-credential': 'hooli/intake' };
    const held = [1, 2, 3].map((i) => call(`${a.url}/v1/intake`, 'POST', headers, JSON.stringify({ i })));
    // wait (loaded CI machines are slow) until the three are admitted and held
    for (let i = 0; i < 200 && a.protection.admission.admittedInFlight < 3; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(a.protection.admission.admittedInFlight).toBe(3);
    const shed = await call(`${a.url}/v1/intake`, 'POST', headers, JSON.stringify({ i: 4 }));
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('2');
    expect(shed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(shed.body).toMatchObject({ status: 503, reason: 'in_flight' });
    expect(shed.ms).toBeLessThan(2000);
    // admin routes are never shed
    expect((await call(`${a.url}/v1/admin`, 'GET', { 'x-test-credential': 'hooli/admin' })).status).toBe(200);
    openGate();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([201, 201, 201]);
    expect(a.protection.admission.admittedInFlight).toBe(0);
    const after = await call(`${a.url}/v1/intake`, 'POST', headers, JSON.stringify({ i: 5 }));
    expect(after.status).toBe(201);
    expect(await a.registry.getSingleMetricAsString('http_requests_shed_total')).toMatch(
      /reason="in_flight"} 1/,
    );
  });

  it('sheds once the oldest admitted request is older than OVERLOAD_MAX_ADMITTED_AGE_MS, below the in-flight cap', async () => {
    const c = await replica(namespace, {
      OVERLOAD_MAX_IN_FLIGHT: '100',
      OVERLOAD_MAX_ADMITTED_AGE_MS: '500',
      OVERLOAD_RETRY_AFTER_S: '2',
    });
    replicas.push(c);
    closeGate();
    const headers = { 'x-test-credential': 'hooli/intake' };
    const held = call(`${c.url}/v1/intake`, 'POST', headers, JSON.stringify({ i: 1 }));
    for (let i = 0; i < 200 && c.protection.admission.admittedInFlight < 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(c.protection.admission.admittedInFlight).toBe(1);
    // young: a second request is still admitted (it waits at the gate too)
    const young = call(`${c.url}/v1/intake`, 'POST', headers, JSON.stringify({ i: 2 }));
    for (let i = 0; i < 200 && c.protection.admission.admittedInFlight < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(c.protection.admission.admittedInFlight).toBe(2);
    while (c.protection.admission.oldestAdmittedAgeMs() <= 500) await new Promise((r) => setTimeout(r, 50));
    const shed = await call(`${c.url}/v1/intake`, 'POST', headers, JSON.stringify({ i: 3 }));
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('2');
    expect(shed.body).toMatchObject({ status: 503, reason: 'admitted_age' });
    openGate();
    expect((await Promise.all([held, young])).map((r) => r.status)).toEqual([201, 201]);
    expect(c.protection.admission.oldestAdmittedAgeMs()).toBe(0);
    expect((await call(`${c.url}/v1/intake`, 'POST', headers, JSON.stringify({ i: 4 }))).status).toBe(201);
    expect(await c.registry.getSingleMetricAsString('http_requests_shed_total')).toMatch(
      /reason="admitted_age"} 1/,
    );
  });

  it('a burst on a saturated gate: every request answered, the shed ones before any admitted one finishes, without reaching Nest', async () => {
    closeGate();
    const headers = { 'x-test-credential': 'hooli/burst' };
    const held = [1, 2, 3].map((i) => call(`${a.url}/v1/intake`, 'POST', headers, JSON.stringify({ i })));
    for (let i = 0; i < 200 && a.protection.admission.admittedInFlight < 3; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(a.protection.admission.admittedInFlight).toBe(3);
    const guardBefore = guardCalls;
    const expressBefore = expressCalls;
    // 300 requests over 32 keep-alive connections (a bot platform's pool); bodies a parser would refuse
    // (malformed, over HTTP_JSON_LIMIT_BYTES) — shedding happens before parsing, so they are 503 too
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const bodies = ['{"i": ', JSON.stringify({ text: 'x'.repeat(4000) }), JSON.stringify({ ok: true })];
    const post = (body: string) =>
      new Promise<{ status: number; retryAfter?: string; type?: string; json: Record<string, unknown> }>(
        (resolve, reject) => {
          const req = httpRequest(
            `${a.url}/v1/intake`,
            {
              method: 'POST',
              agent,
              headers: {
                ...headers,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
              },
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (c: string) => (text += c));
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  retryAfter: res.headers['retry-after'],
                  type: res.headers['content-type'],
                  json: JSON.parse(text) as Record<string, unknown>,
                }),
              );
            },
          );
          req.on('error', reject);
          req.end(body);
        },
      );
    // awaited while the three admitted requests are still held: a shed request waits for no admitted work
    // (if one hung, this await — and the test — would never finish)
    const burst = await Promise.all(Array.from({ length: 300 }, (_, i) => post(bodies[i % bodies.length])));
    expect(a.protection.admission.admittedInFlight).toBe(3);
    expect(burst.map((r) => r.status)).toEqual(Array(300).fill(503));
    for (const r of burst) {
      expect(r.retryAfter).toBe('2');
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.json).toMatchObject({ status: 503, title: 'Service Unavailable', reason: 'in_flight' });
    }
    // none of them reached express (not even a middleware registered before protectHttp), guards or parsing
    expect(expressCalls).toBe(expressBefore);
    expect(guardCalls).toBe(guardBefore);
    openGate();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([201, 201, 201]);
    expect(a.protection.admission.admittedInFlight).toBe(0);
    // the same keep-alive connections carry admitted requests afterwards
    expect((await post(JSON.stringify({ after: true }))).status).toBe(201);
    agent.destroy();
  });

  it('an unmapped transient infrastructure error is 503 + Retry-After (retry later), a bug stays a bare 500', async () => {
    const headers = { 'x-test-credential': 'hooli/admin2' };
    const pool = await call(`${a.url}/v1/fails/pool`, 'GET', headers);
    expect(pool.status).toBe(503);
    expect(pool.headers.get('retry-after')).toBe('2');
    expect(pool.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(pool.body).toMatchObject({ status: 503, reason: 'dependency_unavailable' });
    expect(JSON.stringify(pool.body)).not.toContain('timeout exceeded');
    const bug = await call(`${a.url}/v1/fails/bug`, 'GET', headers);
    expect(bug.status).toBe(500);
    expect(JSON.stringify(bug.body)).not.toContain('a bug');
  });

  it('a JSON body over HTTP_JSON_LIMIT_BYTES is 413 naming the limit; malformed JSON is 400 naming body', async () => {
    const headers = { 'x-test-credential': 'hooli/body' };
    const big = await call(`${b.url}/v1/intake`, 'POST', headers, JSON.stringify({ text: 'x'.repeat(2000) }));
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(big.body).toMatchObject({ status: 413, limitBytes: 1024, errors: [{ field: 'body' }] });
    expect(String(big.body['detail'])).toContain('1024 bytes (HTTP_JSON_LIMIT_BYTES)');
    const bad = await call(`${b.url}/v1/intake`, 'POST', headers, '{"text": ');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ field: 'body' }] });
    const ok = await call(`${b.url}/v1/intake`, 'POST', headers, JSON.stringify({ text: 'fits' }));
    expect(ok.status).toBe(201);
  });
});

describe('countBytes', () => {
  async function* chunks(sizes: number[]) {
    for (const n of sizes) yield Buffer.alloc(n, 97);
  }
  it('yields every chunk up to the cap and throws BodyTooLargeError past it', async () => {
    let seen = 0;
    for await (const c of countBytes(chunks([4, 4, 2]), 10)) seen += c.length;
    expect(seen).toBe(10);
    seen = 0;
    await expect(
      (async () => {
        for await (const c of countBytes(chunks([4, 4, 4]), 10)) seen += c.length;
      })(),
    ).rejects.toEqual(new BodyTooLargeError(10));
    expect(seen).toBe(8);
  });
  it('refuses a declared Content-Length above the cap before reading', async () => {
    const body = Object.assign(chunks([1]), { headers: { 'content-length': '11' } });
    await expect(countBytes(body, 10).next()).rejects.toBeInstanceOf(BodyTooLargeError);
  });
});
