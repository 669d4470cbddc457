import { z } from 'zod';
import { frameAncestors, HttpProtectionConfigSchema } from './http-protection-config';

describe('HttpProtectionConfigSchema', () => {
  it('has production defaults and rejects a non-positive limit naming the variable', () => {
    const c = HttpProtectionConfigSchema.parse({});
    expect(c).toMatchObject({
      HTTP_JSON_LIMIT_BYTES: 262144,
      RATE_LIMIT_ENABLED: true,
      OVERLOAD_MAX_IN_FLIGHT: 64,
    });
    const r = HttpProtectionConfigSchema.safeParse({ RATE_LIMIT_ADMIN_PER_TENANT: '0' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].path).toEqual(['RATE_LIMIT_ADMIN_PER_TENANT']);
  });
});

describe('frameAncestors', () => {
  const schema = z.object({ F: frameAncestors() });
  it("accepts 'self', 'none' and https origins (space or comma separated)", () => {
    expect(schema.parse({ F: "'self' https://apps.mypurecloud.com,https://*.my.salesforce.com" }).F).toEqual([
      "'self'",
      'https://apps.mypurecloud.com',
      'https://*.my.salesforce.com',
    ]);
    expect(schema.parse({ F: 'http://127.0.0.1:4000' }).F).toEqual(['http://127.0.0.1:4000']);
  });
  it('refuses http origins elsewhere, schemes, wildcards and a combined none', () => {
    for (const bad of ['http://evil.example', '*', 'data:', 'https://a.example/path', "'none' 'self'"])
      expect(schema.safeParse({ F: bad }).success).toBe(false);
  });
});
