import { SCOPE_DESCRIPTIONS } from '@hub/http';

/** Scope that makes an OAuth token a platform-admin credential (cross-tenant operations). */
export const PLATFORM_ADMIN_SCOPE = 'platform:admin';

/** Every scope a tenant credential can be granted (`platform:admin` is not grantable to an API key). */
export const TENANT_SCOPES = Object.keys(SCOPE_DESCRIPTIONS).filter((s) => s !== PLATFORM_ADMIN_SCOPE);

/** True when `granted` includes every scope of `required` (a platform admin holds every scope). */
export function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  if (granted.includes(PLATFORM_ADMIN_SCOPE)) return true;
  return required.every((s) => granted.includes(s));
}
