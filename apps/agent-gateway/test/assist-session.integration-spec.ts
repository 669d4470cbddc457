import { jwtVerify } from 'jose';
import type { OpenAPIObject } from '@nestjs/swagger';
import { fetchOpenApiDocument, openApiChecks } from '@hub/testing';
import { startHarness, seedWorkItem, type GatewayHarness } from './support/gateway-harness';

const EMBED_SECRET = 'assist-session-spec-embed-secret-0123456789';
const ASSIST_URL = 'http://127.0.0.1:39123';

describe('POST /v1/agent/work-items/:id/assist-session (Agent Assist panel)', () => {
  let h: GatewayHarness;
  let off: GatewayHarness;
  let doc: OpenAPIObject;
  const { mismatch } = openApiChecks(() => doc);
  const route = 'POST /v1/agent/work-items/{id}/assist-session';

  beforeAll(async () => {
    [h, off] = await Promise.all([
      startHarness({ ASSIST_GATEWAY_URL: `${ASSIST_URL}/`, ASSIST_EMBED_TOKEN_SECRET: EMBED_SECRET }),
      startHarness(),
    ]);
    doc = await fetchOpenApiDocument(h.baseUrl);
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled([h?.close(), off?.close()]);
  }, 60_000);

  const post = async (g: GatewayHarness, id: string, token?: string) => {
    const res = await fetch(`${g.baseUrl}/v1/agent/work-items/${id}/assist-session`, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  it('mints a widget token assist-gateway accepts: HS256, aud assist-widget, provider hub, bound to the caller and the conversation', async () => {
    const w = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-as', state: 'assigned' });
    const before = Math.floor(Date.now() / 1000);
    const r = await post(h, w.workItemId, await h.token('acme', 'agent-as'));
    expect(r.status).toBe(201);
    expect(mismatch(route, 201, r.body)).toBeNull();
    expect(r.body).toMatchObject({
      gatewayUrl: ASSIST_URL,
      interactionId: w.conversationId,
      queue: 'Returns',
    });
    const { payload, protectedHeader } = await jwtVerify(
      String(r.body.token),
      new TextEncoder().encode(EMBED_SECRET),
      { issuer: 'engagement-hub', audience: 'assist-widget', algorithms: ['HS256'] },
    );
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({
      tid: 'acme',
      sub: 'agent-as',
      provider: 'hub',
      interactionId: w.conversationId,
      use: 'embed',
    });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload.iat).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(String(r.body.expiresAt))).toBe(payload.exp! * 1000);
    // a token signed with another secret would not verify
    await expect(
      jwtVerify(String(r.body.token), new TextEncoder().encode(`${EMBED_SECRET}-other`)),
    ).rejects.toThrow();
  });

  it("another agent's, another tenant's and unknown items are 404; offered-only is 409; bad id 400; no token 401", async () => {
    const mine = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-as2', state: 'assigned' });
    const offered = await seedWorkItem(h.prisma, {
      tenantId: 'acme',
      agentId: 'agent-as2',
      state: 'offered',
    });
    const other = await seedWorkItem(h.prisma, {
      tenantId: 'globex',
      agentId: 'agent-as2',
      state: 'assigned',
    });
    const bob = await h.token('acme', 'agent-bob');
    const as2 = await h.token('acme', 'agent-as2');
    const r404 = await post(h, mine.workItemId, bob);
    expect([r404.status, r404.type, r404.body.error]).toEqual([
      404,
      expect.stringContaining('problem+json'),
      'not_found',
    ]);
    expect((await post(h, other.workItemId, as2)).status).toBe(404); // same agent id, other tenant
    expect((await post(h, '00000000-0000-4000-8000-000000000000', as2)).status).toBe(404);
    const r409 = await post(h, offered.workItemId, as2);
    expect([r409.status, r409.body.error]).toEqual([409, 'conflict']);
    expect(mismatch(route, 409, r409.body)).toBeNull();
    expect(mismatch(route, 404, r404.body)).toBeNull();
    const r400 = await post(h, 'not-a-uuid', as2);
    expect(r400.status).toBe(400);
    expect(JSON.stringify(r400.body)).toContain('"field":"id"');
    expect((await post(h, mine.workItemId)).status).toBe(401);
  });

  it('answers 503 assist_unavailable when the panel is not configured', async () => {
    const w = await seedWorkItem(off.prisma, { tenantId: 'acme', agentId: 'agent-off', state: 'assigned' });
    const r = await post(off, w.workItemId, await off.token('acme', 'agent-off'));
    expect([r.status, r.body.error]).toEqual([503, 'assist_unavailable']);
    expect(String(r.body.detail ?? r.body.message ?? r.body.title)).toMatch(/ASSIST_GATEWAY_URL/);
  });

  it("the desktop's CSP lets the page connect to the assist-gateway origin only (http and ws), not elsewhere", async () => {
    const csp = (await fetch(`${h.baseUrl}/desktop/`)).headers.get('content-security-policy')!;
    const connect = csp
      .split(';')
      .find((d) => d.trim().startsWith('connect-src'))!
      .trim();
    expect(connect).toBe("connect-src 'self' http://127.0.0.1:39123 ws://127.0.0.1:39123");
    const plain = (await fetch(`${off.baseUrl}/desktop/`)).headers.get('content-security-policy')!;
    expect(plain).toContain("connect-src 'self';");
  });
});
