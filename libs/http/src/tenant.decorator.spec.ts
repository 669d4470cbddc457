import { BadRequestException, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import {
  TENANT_HEADER,
  tenantFromHeader,
  tenantOfRequest,
  type AuthenticatedRequest,
  type Principal,
} from './tenant.decorator';

function errorsOf(raw: string | undefined): unknown {
  try {
    tenantFromHeader(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestException);
    return (e as BadRequestException).getResponse();
  }
  throw new Error('expected a 400');
}

describe('X-Tenant-Id header', () => {
  it('accepts a tenant slug', () => {
    expect(tenantFromHeader('acme-retail')).toBe('acme-retail');
  });

  it('answers 400 naming the header when it is missing or malformed', () => {
    expect(JSON.stringify(errorsOf(undefined))).toContain(TENANT_HEADER);
    expect(JSON.stringify(errorsOf(undefined))).toContain('header is required');
    for (const bad of ['', 'Acme Retail', '../etc', 'x'.repeat(200)])
      expect(JSON.stringify(errorsOf(bad))).toContain(TENANT_HEADER);
  });
});

describe('tenant of a request (from the credential)', () => {
  const req = (principal: Principal | undefined, header?: string) =>
    ({
      principal,
      header: (n: string) => (n.toLowerCase() === 'x-tenant-id' ? header : undefined),
    }) as unknown as AuthenticatedRequest;
  const tenantKey: Principal = { tenantId: 'acme', credentialId: 'k1', kind: 'api_key', scopes: [] };
  const admin: Principal = {
    tenantId: null,
    credentialId: 'platform-admin',
    kind: 'platform_admin',
    scopes: ['platform:admin'],
  };

  it("is the credential's tenant; a matching header is accepted", () => {
    expect(tenantOfRequest(req(tenantKey))).toBe('acme');
    expect(tenantOfRequest(req(tenantKey, 'acme'))).toBe('acme');
  });

  it('answers 403 when X-Tenant-Id names another tenant, 401 without a principal', () => {
    expect(() => tenantOfRequest(req(tenantKey, 'globex'))).toThrow(ForbiddenException);
    expect(() => tenantOfRequest(req(undefined, 'acme'))).toThrow(UnauthorizedException);
  });

  it('a platform admin acts on the tenant named by the header (400 naming it when missing)', () => {
    expect(tenantOfRequest(req(admin, 'globex'))).toBe('globex');
    expect(() => tenantOfRequest(req(admin))).toThrow(BadRequestException);
  });
});
