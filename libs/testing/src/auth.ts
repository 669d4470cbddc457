/**
 * Credentials for REST calls in tests. Every new test that calls a service's REST API takes its headers from
 * here, so the credential mechanism can change in one place.
 *
 * Contract (stable; both async, always `await` them): `authHeaders(tenantId, scopes?)` → headers that authenticate a caller of `tenantId` with
 * the given scopes (default: every scope); `platformAdminHeaders()` → headers of the platform-admin
 * credential (cross-tenant operations such as creating tenants).
 *
 * Today both carry only `X-Tenant-Id` (no service checks a credential yet); the security work replaces the
 * implementation with real credentials without changing callers.
 */
export async function authHeaders(
  tenantId: string,
  _scopes?: readonly string[],
): Promise<Record<string, string>> {
  return { 'x-tenant-id': tenantId };
}

/** Headers of the platform-admin credential (see {@link authHeaders}). */
export async function platformAdminHeaders(): Promise<Record<string, string>> {
  return {};
}
