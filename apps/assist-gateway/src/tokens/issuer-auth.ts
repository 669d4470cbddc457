import { createHash, timingSafeEqual } from 'node:crypto';

/** Who may mint embed tokens: the hub admin (any tenant) or one tenant's backend. */
export type IssuerPrincipal = { kind: 'admin' } | { kind: 'tenant'; tenantId: string };

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Authenticates callers of `POST /v1/embed-tokens` by bearer key (RFC 6750 `Authorization: Bearer`):
 * the admin key from `ASSIST_ADMIN_API_KEY` or a tenant key from `ASSIST_TENANT_API_KEYS`. Keys are
 * compared as SHA-256 digests in constant time.
 */
export class IssuerAuthenticator {
  private readonly admin?: Buffer;
  private readonly tenants: { tenantId: string; key: Buffer }[];

  constructor(adminKey: string | undefined, tenantKeys: ReadonlyMap<string, string> | undefined) {
    this.admin = adminKey ? digest(adminKey) : undefined;
    this.tenants = [...(tenantKeys ?? new Map<string, string>())].map(([tenantId, key]) => ({
      tenantId,
      key: digest(key),
    }));
  }

  /** True when no key is configured (the issuance endpoint then refuses everyone). */
  get disabled(): boolean {
    return !this.admin && this.tenants.length === 0;
  }

  /** @returns the principal for an `Authorization` header value, or null when it names no known key */
  authenticate(authorization: string | undefined): IssuerPrincipal | null {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return null;
    const presented = digest(m[1]);
    let found: IssuerPrincipal | null = null;
    // check every key (no early exit) so timing does not reveal which one matched
    if (this.admin && timingSafeEqual(presented, this.admin)) found = { kind: 'admin' };
    for (const t of this.tenants) {
      if (timingSafeEqual(presented, t.key) && !found) found = { kind: 'tenant', tenantId: t.tenantId };
    }
    return found;
  }

  /** Whether `principal` may mint tokens for `tenantId`. */
  static mayIssueFor(principal: IssuerPrincipal, tenantId: string): boolean {
    return principal.kind === 'admin' || principal.tenantId === tenantId;
  }
}
