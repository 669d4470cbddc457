import type { INestApplication } from '@nestjs/common';
import {
  authHeaders,
  mintTestAccessToken,
  platformAdminHeaders,
  sleep,
  waitFor,
  startClientCredentialsIdp,
  type ClientCredentialsIdp,
} from '@hub/testing';
import { RouterTestBus, startInProcess } from './support/harness';

jest.setTimeout(90_000);

/**
 * Authentication and authorization of the REST API (issue 12) on the real router (PostgreSQL, Kafka,
 * Redis): API keys (admin API, hash at rest, scopes, rotation, revocation within the cache TTL, expiry,
 * last use), the platform-admin key, OAuth client-credentials tokens from a real OpenID provider.
 */
describe('REST authentication: API keys, platform admin, OAuth client credentials', () => {
  let bus: RouterTestBus;
  let app: INestApplication;
  let base: string;
  const T = 'auth-acme';
  const OTHER = 'auth-globex';

  async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const res = await fetch(base + path, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted field by field
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as any };
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const asAdminOf = async (tenant: string) => ({ ...(await platformAdminHeaders()), 'x-tenant-id': tenant });

  beforeAll(async () => {
    bus = await RouterTestBus.create();
    ({ app, base } = await startInProcess(bus, { AUTH_API_KEY_CACHE_TTL_MS: '1500' }));
    for (const id of [T, OTHER])
      expect((await call('POST', '/v1/tenants', await platformAdminHeaders(), { id, name: id })).status).toBe(
        201,
      );
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await bus?.close();
  });

  describe('API keys', () => {
    it('are created by the platform admin for a tenant, shown once, stored only as a SHA-256 hash', async () => {
      const created = await call('POST', '/v1/api-keys', await asAdminOf(T), {
        name: 'bot platform',
        scopes: ['routing:read', 'keys:admin'],
      });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^hub_live_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(created.body).toMatchObject({
        tenantId: T,
        scopes: ['routing:read', 'keys:admin'],
        revokedAt: null,
      });
      const [row] = await bus.prisma.$queryRawUnsafe<{ secret_sha256: Buffer; prefix: string }[]>(
        'SELECT secret_sha256, prefix FROM api_keys WHERE id = $1::uuid',
        created.body.id,
      );
      expect(created.body.key).toContain(row.prefix);
      expect(row.secret_sha256).toHaveLength(32);
      expect(JSON.stringify(row)).not.toContain(created.body.key.split('_').pop());

      const list = await call('GET', '/v1/api-keys', bearer(created.body.key));
      expect(list.status).toBe(200);
      expect(list.body.items.map((k: { id: string }) => k.id)).toContain(created.body.id);
      expect(JSON.stringify(list.body)).not.toContain(created.body.key);
      expect(list.body.items[0]).not.toHaveProperty('key');

      const queues = await call('GET', '/v1/queues', bearer(created.body.key));
      expect(queues.status).toBe(200);
      expect(queues.body.map((q: { name: string }) => q.name)).toContain('Default');
    });

    it('answer 401 (RFC 6750 challenge, problem+json) for a missing, malformed or wrong key', async () => {
      const none = await call('GET', '/v1/queues', {});
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="hub"');
      expect(none.headers.get('content-type')).toContain('application/problem+json');
      const { body } = await call('POST', '/v1/api-keys', await asAdminOf(T), {
        name: 'k',
        scopes: ['routing:read'],
      });
      const tampered = body.key.slice(0, -4) + (body.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      const wrong = await call('GET', '/v1/queues', bearer(tampered));
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect((await call('GET', '/v1/queues', bearer('hub_live_nothex_x'))).status).toBe(401);
      expect((await call('GET', '/v1/queues', { authorization: `Basic ${body.key}` })).status).toBe(401);
    });

    it('answer 403 naming the missing scope, and cannot grant scopes they do not hold', async () => {
      const { body } = await call('POST', '/v1/api-keys', await asAdminOf(T), {
        name: 'reader',
        scopes: ['routing:read', 'keys:admin'],
      });
      const write = await call('POST', '/v1/queues', bearer(body.key), { name: 'Nope' });
      expect(write.status).toBe(403);
      expect(write.body.message).toContain('routing:admin');
      expect(write.body.missingScopes).toEqual(['routing:admin']);
      expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      const escalate = await call('POST', '/v1/api-keys', bearer(body.key), {
        name: 'x',
        scopes: ['routing:admin'],
      });
      expect(escalate.status).toBe(403);
      expect(escalate.body.message).toContain('scopes');
      const bad = await call('POST', '/v1/api-keys', bearer(body.key), { name: 'x', scopes: ['root'] });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].field).toBe('scopes.0');
    });

    it('carry their tenant: X-Tenant-Id naming another tenant → 403; another tenant’s key id → 404', async () => {
      const { body } = await call('POST', '/v1/api-keys', await asAdminOf(T), {
        name: 'k',
        scopes: ['routing:read', 'keys:admin'],
      });
      const mismatch = await call('GET', '/v1/queues', { ...bearer(body.key), 'x-tenant-id': OTHER });
      expect(mismatch.status).toBe(403);
      expect((await call('GET', '/v1/queues', { ...bearer(body.key), 'x-tenant-id': T })).status).toBe(200);
      const other = await call('POST', '/v1/api-keys', await asAdminOf(OTHER), {
        name: 'o',
        scopes: ['keys:admin'],
      });
      expect((await call('GET', `/v1/api-keys/${body.id}`, bearer(other.body.key))).status).toBe(404);
      expect((await call('DELETE', `/v1/api-keys/${body.id}`, bearer(other.body.key))).status).toBe(404);
      expect((await call('GET', '/v1/queues', bearer(body.key))).status).toBe(200);
    });

    it('rotate: the new key works at once, the old one until its grace expiry', async () => {
      const { body: old } = await call('POST', '/v1/api-keys', await asAdminOf(T), {
        name: 'rot',
        scopes: ['routing:read'],
      });
      // a grace a loaded machine cannot use up between the rotation and the two calls that follow it
      const rotated = await call('POST', `/v1/api-keys/${old.id}/rotate`, await asAdminOf(T), {
        graceSeconds: 5,
      });
      expect(rotated.status).toBe(201);
      expect(rotated.body.key).toMatchObject({ name: 'rot', scopes: ['routing:read'] });
      expect(rotated.body.previous).toMatchObject({ id: old.id, replacedBy: rotated.body.key.id });
      const graceEnds = Date.parse(rotated.body.previous.expiresAt);
      expect(graceEnds - Date.now()).toBeLessThanOrEqual(5000);
      expect((await call('GET', '/v1/queues', bearer(rotated.body.key.key))).status).toBe(200);
      expect((await call('GET', '/v1/queues', bearer(old.key))).status).toBe(200);
      await sleep(Math.max(0, graceEnds - Date.now()) + 200); // past the grace (and the 1.5 s cache TTL)
      expect((await call('GET', '/v1/queues', bearer(old.key))).status).toBe(401);
      expect((await call('GET', '/v1/queues', bearer(rotated.body.key.key))).status).toBe(200);
      expect((await call('POST', `/v1/api-keys/${old.id}/rotate`, await asAdminOf(T), {})).status).toBe(404);
    });

    it('revoke takes effect at once on this replica and within AUTH_API_KEY_CACHE_TTL_MS on the others', async () => {
      const { body: k } = await call('POST', '/v1/api-keys', await asAdminOf(T), {
        name: 'rev',
        scopes: ['routing:read'],
      });
      expect((await call('GET', '/v1/queues', bearer(k.key))).status).toBe(200);
      const revoked = await call('DELETE', `/v1/api-keys/${k.id}`, await asAdminOf(T));
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      expect((await call('GET', '/v1/queues', bearer(k.key))).status).toBe(401);

      // another replica revoking (straight in the table): cached for at most the TTL (1.5 s here)
      const { body: k2 } = await call('POST', '/v1/api-keys', await asAdminOf(T), {
        name: 'rev2',
        scopes: ['routing:read'],
      });
      expect((await call('GET', '/v1/queues', bearer(k2.key))).status).toBe(200);
      await bus.prisma.$executeRawUnsafe('UPDATE api_keys SET revoked_at = now() WHERE id = $1::uuid', k2.id);
      await sleep(1700);
      expect((await call('GET', '/v1/queues', bearer(k2.key))).status).toBe(401);
    });

    it('expire at expiresAt; last use is recorded', async () => {
      // far enough ahead that creating the key and using it once cannot outlast it on a loaded machine
      const expiresAt = new Date(Date.now() + 5000).toISOString();
      const { body: k } = await call('POST', '/v1/api-keys', await asAdminOf(T), {
        name: 'exp',
        scopes: ['routing:read'],
        expiresAt,
      });
      expect(k.lastUsedAt).toBeNull();
      expect((await call('GET', '/v1/queues', bearer(k.key))).status).toBe(200);
      // last use is written in the background (fire and forget): wait for it rather than a fixed 300 ms
      const seen = await waitFor(
        async () => {
          const r = await call('GET', `/v1/api-keys/${k.id}`, await asAdminOf(T));
          return r.body.lastUsedAt ? r : null;
        },
        { what: 'last use recorded' },
      );
      expect(seen.body.lastUsedAt).not.toBeNull();
      await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 200);
      expect((await call('GET', '/v1/queues', bearer(k.key))).status).toBe(401);
      const past = await call('POST', '/v1/api-keys', await asAdminOf(T), {
        name: 'p',
        scopes: ['routing:read'],
        expiresAt: '2020-01-01T00:00:00Z',
      });
      expect(past.status).toBe(400);
      expect(past.body.errors[0].field).toBe('expiresAt');
    });
  });

  describe('platform admin', () => {
    it('creates tenants; a tenant credential cannot (403); a wrong admin key is 401', async () => {
      const asTenant = await call('POST', '/v1/tenants', await authHeaders(T), {
        id: 'auth-evil',
        name: 'x',
      });
      expect(asTenant.status).toBe(403);
      expect(asTenant.body.message).toContain('platform:admin');
      const wrong = await call('POST', '/v1/tenants', bearer(`hub_admin_${'x'.repeat(43)}`), {
        id: 'auth-evil',
        name: 'x',
      });
      expect(wrong.status).toBe(401);
      const ok = await call('POST', '/v1/tenants', await platformAdminHeaders(), {
        id: 'auth-new',
        name: 'New',
      });
      expect(ok.status).toBe(201);
    });

    it('acts on the tenant named by X-Tenant-Id (400 naming the header without it)', async () => {
      const none = await call('GET', '/v1/queues', await platformAdminHeaders());
      expect(none.status).toBe(400);
      expect(none.body.errors[0].field).toBe('X-Tenant-Id');
      const acme = await call('GET', '/v1/queues', await asAdminOf(T));
      expect(acme.status).toBe(200);
      expect(
        acme.body.every((q: { tenantId?: string }) => q.tenantId === undefined || q.tenantId === T),
      ).toBe(true);
    });
  });

  describe('OAuth 2.0 access tokens (JWT)', () => {
    it('refuses tokens of another issuer or audience, expired ones, and non-allow-listed algorithms', async () => {
      expect((await call('GET', '/v1/queues', await authHeaders(T, ['routing:read']))).status).toBe(200);
      const expired = await mintTestAccessToken(
        { hub_tenant: T, scope: 'routing:read' },
        { expiresIn: '-5m' },
      );
      const r1 = await call('GET', '/v1/queues', bearer(expired));
      expect(r1.status).toBe(401);
      expect(r1.headers.get('www-authenticate')).toContain("'exp' claim timestamp check failed");
      const aud = await mintTestAccessToken(
        { hub_tenant: T, scope: 'routing:read' },
        { audience: 'someone-else' },
      );
      expect((await call('GET', '/v1/queues', bearer(aud))).status).toBe(401);
      const iss = await mintTestAccessToken(
        { hub_tenant: T, scope: 'routing:read' },
        { issuer: 'https://evil.example/' },
      );
      expect((await call('GET', '/v1/queues', bearer(iss))).status).toBe(401);
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const claims = Buffer.from(
        JSON.stringify({
          iss: 'https://idp.test.hub.invalid/',
          aud: 'hub-api',
          hub_tenant: T,
          scope: 'routing:read',
          exp: 9e9,
        }),
      ).toString('base64url');
      expect((await call('GET', '/v1/queues', bearer(`${header}.${claims}.x`))).status).toBe(401);
      const noTenant = await mintTestAccessToken({ scope: 'routing:read' });
      const r2 = await call('GET', '/v1/queues', bearer(noTenant));
      expect(r2.status).toBe(401);
      expect(r2.body.message).toContain('hub_tenant');
    });

    describe('from a real OpenID provider (oidc-provider, client_credentials grant, JWKS)', () => {
      let idp: ClientCredentialsIdp;
      let oauthApp: INestApplication;
      let oauthBase: string;

      beforeAll(async () => {
        idp = await startClientCredentialsIdp('urn:hub:api', [
          {
            clientId: 'acme-bot',
            secret: 'acme-bot-secret-0123456789abcdef',
            tenant: T,
            scope: 'routing:read routing:admin',
          },
          {
            clientId: 'ops',
            secret: 'ops-secret-0123456789abcdef0123',
            tenant: null,
            scope: 'platform:admin',
          },
        ]);
        ({ app: oauthApp, base: oauthBase } = await startInProcess(bus, {
          AUTH_OAUTH_ISSUER: idp.issuer,
          AUTH_OAUTH_AUDIENCE: idp.audience,
          AUTH_OAUTH_JWKS_URI: idp.jwksUri,
          AUTH_OAUTH_JWKS: '',
        }));
      }, 60_000);

      afterAll(async () => {
        await oauthApp?.close();
        await idp?.stop();
      });

      const at = async (path: string, token: string, method = 'GET', body?: unknown) => {
        const res = await fetch(oauthBase + path, {
          method,
          headers: { ...bearer(token), ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted field by field
        return { status: res.status, body: (await res.json()) as any };
      };

      it('a tenant client’s token: tenant from hub_tenant, scopes from scope', async () => {
        const token = await idp.token('acme-bot', 'acme-bot-secret-0123456789abcdef', 'routing:read');
        const queues = await at('/v1/queues', token);
        expect(queues.status).toBe(200);
        expect(queues.body.map((q: { name: string }) => q.name)).toContain('Default');
        const write = await at('/v1/queues', token, 'POST', { name: 'OAuth queue' });
        expect(write.status).toBe(403);
        expect(write.body.missingScopes).toEqual(['routing:admin']);
        const admin = await idp.token(
          'acme-bot',
          'acme-bot-secret-0123456789abcdef',
          'routing:read routing:admin',
        );
        expect((await at('/v1/queues', admin, 'POST', { name: 'OAuth queue' })).status).toBe(201);
        // the test key's tokens are not this IdP's: another issuer and key
        expect((await at('/v1/queues', (await authHeaders(T)).authorization.slice(7))).status).toBe(401);
      });

      it('a client with platform:admin and no tenant is a platform admin', async () => {
        const token = await idp.token('ops', 'ops-secret-0123456789abcdef0123', 'platform:admin');
        expect(
          (await at('/v1/tenants', token, 'POST', { id: 'auth-oauth-made', name: 'By OAuth' })).status,
        ).toBe(201);
        const tenantToken = await idp.token('acme-bot', 'acme-bot-secret-0123456789abcdef', 'routing:read');
        expect(
          (await at('/v1/tenants', tenantToken, 'POST', { id: 'auth-oauth-no', name: 'x' })).status,
        ).toBe(403);
      });
    });
  });
});
