import { IssuerAuthenticator } from './issuer-auth';

describe('IssuerAuthenticator', () => {
  const admin = 'A'.repeat(40);
  const acmeKey = 'k'.repeat(40);
  const auth = new IssuerAuthenticator(admin, new Map([['acme', acmeKey]]));

  it('recognises the admin key and tenant keys (Bearer, case-insensitive scheme)', () => {
    expect(auth.authenticate(`Bearer ${admin}`)).toEqual({ kind: 'admin' });
    expect(auth.authenticate(`bearer ${acmeKey}`)).toEqual({ kind: 'tenant', tenantId: 'acme' });
  });

  it('refuses unknown keys, other schemes and missing headers', () => {
    expect(auth.authenticate(`Bearer ${'x'.repeat(40)}`)).toBeNull();
    expect(auth.authenticate(`Basic ${admin}`)).toBeNull();
    expect(auth.authenticate(undefined)).toBeNull();
  });

  it('a tenant key issues for its own tenant only; admin for any', () => {
    expect(IssuerAuthenticator.mayIssueFor({ kind: 'tenant', tenantId: 'acme' }, 'acme')).toBe(true);
    expect(IssuerAuthenticator.mayIssueFor({ kind: 'tenant', tenantId: 'acme' }, 'globex')).toBe(false);
    expect(IssuerAuthenticator.mayIssueFor({ kind: 'admin' }, 'globex')).toBe(true);
  });

  it('is disabled without keys', () => {
    expect(new IssuerAuthenticator(undefined, undefined).disabled).toBe(true);
    expect(new IssuerAuthenticator(undefined, undefined).authenticate(`Bearer ${admin}`)).toBeNull();
  });
});
