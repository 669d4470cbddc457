import { createHash } from 'node:crypto';
import { ConfigError, loadConfig } from '@hub/config';
import { digestsEqual, generateApiKey, parseApiKey, sha256 } from './api-keys/api-key-format';
import { ApiKeyVerifier } from './api-keys/api-key.verifier';
import type { ApiKeyRow, ApiKeysRepository } from './api-keys/api-keys.repository';
import { AuthConfigSchema, assertAuthConfig } from './auth.config';
import { verifyPlatformAdminKey } from './platform-admin';
import { PLATFORM_ADMIN_SCOPE, TENANT_SCOPES, hasScopes } from './scopes';

describe('API key format', () => {
  it('is hub_live_<12 hex>_<256-bit base64url secret>, stored as SHA-256 of the secret', () => {
    const k = generateApiKey();
    expect(k.token).toMatch(/^hub_live_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseApiKey(k.token);
    expect(parsed?.prefix).toBe(k.prefix);
    expect(Buffer.from(parsed!.secret, 'base64url')).toHaveLength(32);
    expect(digestsEqual(sha256(parsed!.secret), k.secretSha256)).toBe(true);
    expect(generateApiKey().token).not.toBe(k.token);
    expect(parseApiKey('hub_live_abc_def')).toBeNull();
    expect(parseApiKey(`${k.token}x`)).toBeNull();
  });
});

describe('scopes', () => {
  it('a credential needs every required scope; platform:admin holds all', () => {
    expect(hasScopes(['handoffs:read'], ['handoffs:read'])).toBe(true);
    expect(hasScopes(['handoffs:read'], ['handoffs:write'])).toBe(false);
    expect(hasScopes([PLATFORM_ADMIN_SCOPE], ['keys:admin'])).toBe(true);
    expect(TENANT_SCOPES).toEqual(
      expect.arrayContaining([
        'handoffs:write',
        'routing:admin',
        'knowledge:write',
        'integrations:admin',
        'reports:read',
        'keys:admin',
      ]),
    );
    expect(TENANT_SCOPES).not.toContain(PLATFORM_ADMIN_SCOPE);
  });
});

describe('platform-admin key', () => {
  const key = `hub_admin_${'k'.repeat(43)}`;
  const hash = createHash('sha256').update(key).digest('hex');
  it('matches the configured SHA-256 only', () => {
    expect(verifyPlatformAdminKey(key, hash)).toMatchObject({ kind: 'platform_admin', tenantId: null });
    expect(verifyPlatformAdminKey(`hub_admin_${'j'.repeat(43)}`, hash)).toBeNull();
    expect(verifyPlatformAdminKey(key, undefined)).toBeNull();
    expect(
      verifyPlatformAdminKey('hub_admin_short', createHash('sha256').update('hub_admin_short').digest('hex')),
    ).toBeNull();
  });
});

describe('API key verifier (cache, expiry, revocation, last use)', () => {
  const k = generateApiKey();
  let now = 1_000_000;
  let row: ApiKeyRow;
  const touched: Date[] = [];
  let lookups = 0;
  const repo = {
    byPrefix: async (p: string) => {
      lookups += 1;
      return p === k.prefix ? row : null;
    },
    touch: async (_id: string, at: Date) => void touched.push(at),
  } as unknown as ApiKeysRepository;
  beforeEach(() => {
    row = {
      id: 'k1',
      tenantId: 'acme',
      name: 'n',
      prefix: k.prefix,
      secretSha256: k.secretSha256,
      scopes: ['routing:read'],
      expiresAt: null,
      createdAt: new Date(0),
      lastUsedAt: null,
      revokedAt: null,
      replacedBy: null,
    };
  });

  it('accepts the key, caches the row for the TTL, records use at most once a minute', async () => {
    const v = new ApiKeyVerifier(repo, 30_000, () => now);
    expect(await v.verify(k.token)).toEqual({
      tenantId: 'acme',
      credentialId: 'k1',
      kind: 'api_key',
      scopes: ['routing:read'],
    });
    await v.verify(k.token);
    expect(lookups).toBe(1);
    expect(touched).toHaveLength(1);
    now += 61_000;
    await v.verify(k.token);
    expect(touched).toHaveLength(2);
  });

  it('refuses a wrong secret, a revoked and an expired key', async () => {
    const v = new ApiKeyVerifier(repo, 0, () => now);
    expect(await v.verify(k.token.slice(0, -1) + (k.token.endsWith('A') ? 'B' : 'A'))).toBeNull();
    row.revokedAt = new Date(now - 1);
    expect(await v.verify(k.token)).toBeNull();
    row.revokedAt = null;
    row.expiresAt = new Date(now);
    expect(await v.verify(k.token)).toBeNull();
    row.expiresAt = new Date(now + 1);
    expect(await v.verify(k.token)).not.toBeNull();
  });
});

describe('auth config', () => {
  it('caps the API key cache at 30 s and requires audience and JWKS with an issuer (naming the variable)', () => {
    expect(() => loadConfig('t', AuthConfigSchema, { AUTH_API_KEY_CACHE_TTL_MS: '60000' })).toThrow(
      /AUTH_API_KEY_CACHE_TTL_MS/,
    );
    expect(() => loadConfig('t', AuthConfigSchema, { AUTH_PLATFORM_ADMIN_KEY_SHA256: 'changeme' })).toThrow(
      ConfigError,
    );
    const c = loadConfig('t', AuthConfigSchema, { AUTH_OAUTH_ISSUER: 'https://idp.example.com/' });
    expect(() => assertAuthConfig('t', c)).toThrow(/AUTH_OAUTH_AUDIENCE[\s\S]*AUTH_OAUTH_JWKS_URI/);
    expect(() => loadConfig('t', AuthConfigSchema, { AUTH_OAUTH_JWKS: '{"nope":1}' })).toThrow(
      /AUTH_OAUTH_JWKS/,
    );
  });
});
