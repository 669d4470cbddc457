import { Writable } from 'node:stream';
import pino from 'pino';
import { HealthRegistry } from './health';
import { currentLogContext, withLogContext } from './log-context';
import { createLogger } from './logger';

describe('structured logs carry tenant and correlation ids', () => {
  it('stamps service, tenantId and correlationId on every line written inside withLogContext', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    });
    const logger = pino({ base: { service: 'svc' }, mixin: () => ({ ...currentLogContext() }) }, sink);
    logger.info('outside');
    await withLogContext({ tenantId: 'acme', correlationId: 'conv-1' }, async () => {
      await new Promise((r) => setTimeout(r, 1)); // survives async hops
      logger.info('inside');
      withLogContext({ eventId: 'e-1' }, () => logger.info('nested'));
    });
    expect(lines[0]).toMatchObject({ service: 'svc', msg: 'outside' });
    expect(lines[0]).not.toHaveProperty('tenantId');
    expect(lines[1]).toMatchObject({ tenantId: 'acme', correlationId: 'conv-1', msg: 'inside' });
    expect(lines[2]).toMatchObject({ tenantId: 'acme', correlationId: 'conv-1', eventId: 'e-1' });
  });

  it('createLogger uses the same context mixin', () => {
    const logger = createLogger('svc', 'silent');
    expect(logger.level).toBe('silent');
    expect(withLogContext({ tenantId: 't' }, () => currentLogContext())).toEqual({ tenantId: 't' });
  });
});

describe('HealthRegistry (readiness)', () => {
  it('is ready only when every check passes, and names the failing one', async () => {
    const h = new HealthRegistry();
    h.register({ name: 'postgres', check: async () => undefined });
    h.register({
      name: 'redis',
      check: async () => {
        throw new Error('ECONNREFUSED');
      },
    });
    expect(await h.readiness()).toEqual({
      ok: false,
      checks: { postgres: 'up', redis: 'down: ECONNREFUSED' },
    });
  });

  it('treats a check that hangs past the timeout as down', async () => {
    const h = new HealthRegistry();
    h.register({ name: 'kafka', check: () => new Promise(() => undefined) });
    const r = await h.readiness(50);
    expect(r.ok).toBe(false);
    expect(r.checks.kafka).toBe('down: timed out after 50 ms');
  });
});
