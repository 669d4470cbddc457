import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemResponseException, problemBody, type AuthenticatedRequest, type Principal } from '@hub/http';
import type { AuthConfig } from './auth.config';
import { ApiKeyVerifier } from './api-keys/api-key.verifier';
import { InvalidTokenError, OAuthVerifier } from './oauth/oauth.verifier';
import { verifyPlatformAdminKey } from './platform-admin';
import { AUTH_SCHEME, REQUIRED_SCOPES } from './decorators';
import { PLATFORM_ADMIN_SCOPE, hasScopes } from './scopes';

/** Operational routes served by every service without a credential (probes, metrics, the API document). */
const OPERATIONAL = /^\/(healthz|readyz|metrics|docs(-json|-yaml)?)(\/|$)/;

const REALM = 'hub';

/**
 * The one global guard of every REST route (registered by `AuthModule.forRoot` as `APP_GUARD`).
 * Per route: `@Public()` / `@AuthenticatedBy(scheme)` → passes (the route's own scheme applies); otherwise it
 * authenticates `Authorization: Bearer <token>` — a platform-admin key (`hub_admin_…`), an API key
 * (`hub_live_…`) or an OAuth access token (JWT) — sets `req.principal` and checks `@RequireScopes(...)`.
 * A route declaring nothing requires `platform:admin` (fail closed).
 * Errors (RFC 6750 §3, bodies `application/problem+json`): 401 with `WWW-Authenticate: Bearer realm="hub"`
 * (+ `error="invalid_token"` for a bad credential); 403 with `error="insufficient_scope"` naming the scopes.
 */
@Injectable()
export class HubAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AuthConfig,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly oauth: OAuthVerifier | null,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<string>(AUTH_SCHEME, targets)) return true;
    if (OPERATIONAL.test(req.path)) return true;
    const required = this.reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES, targets) ?? [
      PLATFORM_ADMIN_SCOPE,
    ];

    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.header('authorization') ?? '');
    if (!m)
      throw new AuthProblem(
        401,
        'Authorization: a Bearer credential (API key or OAuth access token) is required',
        `Bearer realm="${REALM}"`,
      );
    const principal = await this.authenticate(m[1]);
    req.principal = principal;
    if (!hasScopes(principal.scopes, required)) {
      const missing = required.filter((s) => !principal.scopes.includes(s));
      throw new AuthProblem(
        403,
        `the credential lacks scope ${missing.join(', ')}`,
        `Bearer realm="${REALM}", error="insufficient_scope", scope="${required.join(' ')}"`,
        { missingScopes: missing },
      );
    }
    return true;
  }

  private async authenticate(token: string): Promise<Principal> {
    let principal: Principal | null = null;
    let reason = 'unknown, revoked or expired credential';
    if (token.startsWith('hub_admin_'))
      principal = verifyPlatformAdminKey(token, this.config.AUTH_PLATFORM_ADMIN_KEY_SHA256);
    else if (token.startsWith('hub_live_')) principal = await this.apiKeys.verify(token);
    else if (this.oauth && OAuthVerifier.looksLikeJwt(token)) {
      try {
        principal = await this.oauth.verify(token);
      } catch (e) {
        if (!(e instanceof InvalidTokenError)) throw e;
        reason = e.message;
      }
    }
    if (principal) return principal;
    throw new AuthProblem(
      401,
      `Authorization: ${reason}`,
      `Bearer realm="${REALM}", error="invalid_token", error_description="${reason.replace(/["\\]/g, "'")}"`,
    );
  }
}

/**
 * A 401/403 of the guard: an RFC 9457 problem (`{type, title, status, detail, statusCode, error, message,
 * …extra}`) with the `WWW-Authenticate` challenge (RFC 6750 §3) as a response header. A
 * {@link ProblemResponseException}, so the service's one problem filter (`protectHttp`) answers it.
 */
export class AuthProblem extends ProblemResponseException {
  constructor(
    status: 401 | 403,
    message: string,
    readonly wwwAuthenticate: string,
    extra: Record<string, unknown> = {},
  ) {
    super(problemBody(status, message, { extensions: extra }), { 'WWW-Authenticate': wwwAuthenticate });
  }
}
