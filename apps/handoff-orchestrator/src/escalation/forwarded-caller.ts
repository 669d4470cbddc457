/**
 * The caller of a decision or slot proposal, as forwarded to the services the orchestrator asks on its behalf
 * (router availability, suggestion-service search): their answers are scoped by the caller's own credential, so a
 * tenant sees only its queues and knowledge bases there too.
 */
export interface ForwardedCaller {
  /** The tenant the request acts for (the credential's tenant, or the one a platform admin named). */
  tenantId: string;
  /** The caller's `Authorization` header value; undefined when it sent none. */
  authorization: string | undefined;
}

/**
 * Headers that carry {@link ForwardedCaller}: `Authorization` as received and `X-Tenant-Id` (a tenant credential's
 * own tenant is accepted; a platform-admin credential needs it to name the tenant — libs/http `TenantId`).
 */
export function forwardedHeaders(caller: ForwardedCaller): Record<string, string> {
  return {
    'x-tenant-id': caller.tenantId,
    ...(caller.authorization ? { authorization: caller.authorization } : {}),
  };
}
