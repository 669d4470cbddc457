import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiCredential } from '@hub/http';
import { PLATFORM_ADMIN_SCOPE } from './scopes';

/** Metadata key of the scopes a route requires ({@link RequireScopes}). */
export const REQUIRED_SCOPES = 'hub:auth:scopes';
/** Metadata key of a route's own authentication ({@link Public}, {@link AuthenticatedBy}). */
export const AUTH_SCHEME = 'hub:auth:scheme';

/**
 * Route/class decorator: the route needs a hub credential (API key, OAuth token or platform admin) holding
 * every one of `scopes`; documents both security schemes with the scopes, and the 401/403, in OpenAPI.
 * A platform admin holds every scope.
 */
export function RequireScopes(...scopes: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), ApiCredential(scopes));
}

/** Route/class decorator: only a platform-admin credential (scope `platform:admin`) may call the route. */
export function PlatformAdminOnly(): MethodDecorator & ClassDecorator {
  return RequireScopes(PLATFORM_ADMIN_SCOPE);
}

/** Route/class decorator: the route needs no credential at all (static pages, public keys). */
export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(AUTH_SCHEME, 'public');
}

/**
 * Route/class decorator: the route is authenticated by its own scheme (named for readers and the route
 * walker), not by the hub guard — e.g. `agent-jwt`, `widget-token`, `pubsub-oidc`, `ccai-admin-token`,
 * `embed-issuer-key`, `signed-link`, `genesys-oauth`.
 */
export function AuthenticatedBy(scheme: string): MethodDecorator & ClassDecorator {
  return SetMetadata(AUTH_SCHEME, scheme);
}
