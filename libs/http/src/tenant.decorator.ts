import {
  createParamDecorator,
  ForbiddenException,
  UnauthorizedException,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { TenantIdSchema } from '@hub/contracts';
import { badRequest } from './validation';

/**
 * Optional header naming the tenant of a REST call. The tenant comes from the caller's credential
 * (`req.principal`, set by the `@hub/auth` guard); when this header is sent it must match the credential's
 * tenant (403 otherwise). A platform-admin credential names the tenant it acts on with this header.
 */
export const TENANT_HEADER = 'X-Tenant-Id';

/**
 * The authenticated caller of a REST request, set by the global guard of `@hub/auth` as `req.principal`.
 * Other code reads "who is calling" (rate limits, audit) from here. Shape is a stable contract.
 * - `tenantId`: the credential's tenant; null for a platform-admin credential
 * - `credentialId`: API key id, OAuth `client_id`/`sub`, or `platform-admin`
 * - `scopes`: granted scopes (`handoffs:write`, …; `platform:admin` for platform admins)
 */
export interface Principal {
  tenantId: string | null;
  credentialId: string;
  kind: 'api_key' | 'oauth' | 'platform_admin';
  scopes: string[];
}

/** An Express request after the `@hub/auth` guard ran. */
export type AuthenticatedRequest = Request & { principal?: Principal };

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
 * The tenant a request acts on: the principal's tenant; for a platform admin the tenant named by the
 * `X-Tenant-Id` header.
 * @throws UnauthorizedException (401) when the request carries no principal (the guard did not authenticate it)
 * @throws ForbiddenException (403) when `X-Tenant-Id` names another tenant than the credential's
 * @throws BadRequestException (400, field `X-Tenant-Id`) when a platform admin sends no or a malformed header
 */
export function tenantOfRequest(req: AuthenticatedRequest): string {
  const principal = req.principal;
  const header = req.header(TENANT_HEADER);
  if (!principal) throw new UnauthorizedException('a credential is required');
  if (principal.tenantId === null) return tenantFromHeader(header);
  if (header !== undefined && header !== principal.tenantId)
    throw new ForbiddenException(`${TENANT_HEADER}: the credential belongs to another tenant`);
  return principal.tenantId;
}

/**
 * Parameter decorator: the tenant the request acts on ({@link tenantOfRequest}).
 * @throws 401 without a principal, 403 on a mismatching `X-Tenant-Id`, 400 when a platform admin names none
 */
export const TenantId = createParamDecorator((_: unknown, ctx: ExecutionContext): string =>
  tenantOfRequest(ctx.switchToHttp().getRequest<AuthenticatedRequest>()),
);

/** Parameter decorator: the request's {@link Principal} (undefined on routes the guard does not authenticate). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal | undefined =>
    ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
