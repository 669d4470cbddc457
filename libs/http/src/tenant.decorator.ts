import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { TenantIdSchema } from '@hub/contracts';
import { badRequest } from './validation';

/**
 * Header carrying the tenant of a service-to-service REST call. In production an API gateway authenticates
 * the caller (bot platform, admin backend) and sets it; agents and widgets use signed tokens instead.
 */
export const TENANT_HEADER = 'X-Tenant-Id';

/**
 * The tenant id carried by an `X-Tenant-Id` header value (a lower-case slug, `TenantIdSchema`).
 * @throws BadRequestException (400, field `X-Tenant-Id`) when missing or malformed
 */
export function tenantFromHeader(raw: string | undefined): string {
  const r = TenantIdSchema.safeParse(raw);
  if (!r.success) {
    throw badRequest([
      { field: TENANT_HEADER, message: raw === undefined ? 'header is required' : r.error.issues[0].message },
    ]);
  }
  return r.data;
}

/**
 * Parameter decorator: the request's tenant id from the `X-Tenant-Id` header ({@link tenantFromHeader}).
 * @throws BadRequestException (400, field `X-Tenant-Id`) when missing or malformed
 */
export const TenantId = createParamDecorator((_: unknown, ctx: ExecutionContext): string =>
  tenantFromHeader(ctx.switchToHttp().getRequest<Request>().header(TENANT_HEADER)),
);
