import { Inject, Injectable } from '@nestjs/common';
import { PRISMA, forTenant, type PrismaClient, type TenantClient } from '@hub/persistence';

/**
 * Tenant-scoped Prisma clients (`forTenant`), built once per tenant and reused: building the
 * extension on every request costs more than the query on the hot paths (accept, resync).
 */
@Injectable()
export class TenantClients {
  private readonly clients = new Map<string, TenantClient>();

  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  for(tenantId: string): TenantClient {
    let c = this.clients.get(tenantId);
    if (!c) {
      c = forTenant(this.prisma, tenantId);
      this.clients.set(tenantId, c);
    }
    return c;
  }
}
