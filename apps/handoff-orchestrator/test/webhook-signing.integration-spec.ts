import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { authHeaders, createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import {
  fakeServer,
  handoffBody,
  http,
  sql,
  startService,
  type Recorded,
  type RunningService,
} from './support/harness';

jest.setTimeout(90_000);

const T = 'acme';

/**
 * Standard Webhooks signatures on the orchestrator's callback deliveries, checked by a real local
 * receiver with the `standardwebhooks` library: a tenant secret created over REST (shown once, stored
 * encrypted), rotation with both signatures during the overlap, and revocation of the previous secret.
 */
describe('signed callbacks (Standard Webhooks)', () => {
  let world: TestWorld;
  let svc: RunningService;
  let receiver: Awaited<ReturnType<typeof fakeServer>>;
  let integration: string;

  beforeAll(async () => {
    world = await createTestWorld();
    receiver = await fakeServer((_req: Recorded, res: ServerResponse) => {
      res.writeHead(204).end();
    });
    svc = await startService(world, {
      HANDOFF_CALLBACK_ALLOW_HTTP: 'true',
      HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS: 'true',
      CALLBACK_INTERMEDIATE: 'true', // the `requested` outcome is POSTed too: no router needed
    });
    const r = await http(svc.url, 'POST', '/v1/integrations', {
      headers: await authHeaders(T),
      body: { type: 'internal', name: `Desk ${randomUUID().slice(0, 8)}` },
    });
    expect(r.status).toBe(201);
    integration = r.body.id;
  });

  afterAll(async () => {
    await svc?.close();
    await receiver?.close();
    await world?.drop();
  });

  /** Requests a handoff with a callback to the receiver and returns the first delivery it received. */
  async function deliver(): Promise<Recorded> {
    const r = await http(svc.url, 'POST', '/v1/handoffs', {
      headers: await authHeaders(T),
      body: handoffBody(integration, { callbackUrl: `${receiver.url}/hook` }),
    });
    expect(r.status).toBe(201);
    return waitFor(() => receiver.requests.find((q) => q.body?.data?.handoffId === r.body.id), {
      what: 'callback POST',
    });
  }

  const rotate = async (body?: unknown) => {
    const r = await http(svc.url, 'POST', '/v1/webhook-secret', { headers: await authHeaders(T), body });
    expect(r.status).toBe(201);
    return r.body as { secret: string; previousExpiresAt: string | null };
  };

  const verifies = (secret: string, hit: Recorded) => {
    try {
      new Webhook(secret).verify(hit.raw, hit.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  };

  it('signs with the tenant secret; after a rotation both secrets verify; after revocation only the new one', async () => {
    const status0 = await http(svc.url, 'GET', '/v1/webhook-secret', { headers: await authHeaders(T) });
    expect(status0.body).toEqual({ configured: false, createdAt: null, previousExpiresAt: null });

    const first = await rotate();
    expect(first.secret).toMatch(/^whsec_/);
    expect(first.previousExpiresAt).toBeNull();
    // stored encrypted: no column of any integration row holds it
    const dump = await sql<{ t: string }>(world, 'SELECT i::text AS t FROM integrations i');
    expect(dump.map((d) => d.t).join('\n')).not.toContain(first.secret.slice('whsec_'.length));

    const a = await deliver();
    expect(a.headers['webhook-id']).toBe(a.body.id);
    expect(Math.abs(Number(a.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(verifies(first.secret, a)).toBe(true);
    expect(new Webhook(first.secret).verify(a.raw, a.headers as Record<string, string>)).toEqual(a.body);

    const second = await rotate();
    expect(second.secret).not.toBe(first.secret);
    expect(Date.parse(second.previousExpiresAt!)).toBeGreaterThan(Date.now());
    const status = await http(svc.url, 'GET', '/v1/webhook-secret', { headers: await authHeaders(T) });
    expect(status.body).toMatchObject({ configured: true, previousExpiresAt: second.previousExpiresAt });
    expect(JSON.stringify(status.body)).not.toContain('whsec_');
    const b = await deliver();
    expect(String(b.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(second.secret, b)).toBe(true);
    expect(verifies(first.secret, b)).toBe(true);

    const third = await rotate({ revokePrevious: true });
    expect(third.previousExpiresAt).toBeNull();
    const c = await deliver();
    expect(String(c.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(third.secret, c)).toBe(true);
    expect(verifies(second.secret, c)).toBe(false);
    expect(verifies(first.secret, c)).toBe(false);
  });

  it('keeps secrets per tenant and refuses a body field it does not know (400 naming it)', async () => {
    const other = await http(svc.url, 'GET', '/v1/webhook-secret', { headers: await authHeaders('globex') });
    expect(other.body.configured).toBe(false);
    const bad = await http(svc.url, 'POST', '/v1/webhook-secret', {
      headers: await authHeaders(T),
      body: { revokePrevious: 'yes' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('revokePrevious');
    // the signing secret is not an integration of the Integrations API
    const list = await http(svc.url, 'GET', '/v1/integrations', { headers: await authHeaders(T) });
    expect(list.body.map((i: { type: string }) => i.type)).not.toContain('webhook_signing');
  });

  it('never sends a callback unsigned: a tenant without a secret gets one at its first callbacks (one, even when concurrent)', async () => {
    const U = 'initech';
    const i = await http(svc.url, 'POST', '/v1/integrations', {
      headers: await authHeaders(U),
      body: { type: 'internal', name: 'Desk' },
    });
    expect(i.status).toBe(201);
    const before = await http(svc.url, 'GET', '/v1/webhook-secret', { headers: await authHeaders(U) });
    expect(before.body.configured).toBe(false);
    // five handoffs at once: their first deliveries race to create the tenant's secret
    const created = await Promise.all(
      Array.from({ length: 5 }, async () =>
        http(svc.url, 'POST', '/v1/handoffs', {
          headers: await authHeaders(U),
          body: handoffBody(i.body.id, { callbackUrl: `${receiver.url}/hook-${U}` }),
        }),
      ),
    );
    const ids = created.map((r) => {
      expect(r.status).toBe(201);
      return r.body.id as string;
    });
    const hits = await waitFor(
      () => {
        const got = ids.map((id) => receiver.requests.find((q) => q.body?.data?.handoffId === id));
        return got.every(Boolean) ? (got as Recorded[]) : null;
      },
      { what: 'five signed callbacks' },
    );
    for (const h of hits) {
      expect(h.headers['webhook-id']).toBe(h.body.id);
      expect(String(h.headers['webhook-signature'])).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    }
    const rows = await sql<{ n: string }>(
      world,
      "SELECT count(*)::text AS n FROM integrations WHERE tenant_id = $1 AND type = 'webhook_signing'",
      [U],
    );
    expect(rows[0].n).toBe('1');
    const after = await http(svc.url, 'GET', '/v1/webhook-secret', { headers: await authHeaders(U) });
    expect(after.body.configured).toBe(true);
    // the tenant rotates to learn a secret; the next callback verifies with it
    const own = await http(svc.url, 'POST', '/v1/webhook-secret', {
      headers: await authHeaders(U),
      body: { revokePrevious: true },
    });
    expect(own.status).toBe(201);
    const r = await http(svc.url, 'POST', '/v1/handoffs', {
      headers: await authHeaders(U),
      body: handoffBody(i.body.id, { callbackUrl: `${receiver.url}/hook-${U}` }),
    });
    const next = await waitFor(() => receiver.requests.find((q) => q.body?.data?.handoffId === r.body.id), {
      what: 'callback after rotation',
    });
    expect(verifies(own.body.secret, next)).toBe(true);
    for (const h of hits) expect(verifies(own.body.secret, h)).toBe(false);
  });
});
