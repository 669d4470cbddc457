import { BadRequestException } from '@nestjs/common';
import { TENANT_HEADER, tenantFromHeader } from './tenant.decorator';

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
