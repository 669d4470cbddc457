import { SignJWT, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AgentIdSchema, TenantIdSchema } from '@hub/contracts';

/** The verified caller: every command and read is scoped to these, never to client-sent ids. */
export interface AgentPrincipal {
  tenantId: string;
  agentId: string;
  /** Display name from the `name` claim, if any. */
  name?: string;
  /** Token expiry (`exp`), epoch ms. */
  expiresAt?: number;
}

/** A token was missing, malformed, expired, badly signed or lacks the required claims. */
export class InvalidAgentTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid agent token: ${reason}`);
    this.name = 'InvalidAgentTokenError';
  }
}

/** Default `iss` of agent tokens (AGENT_JWT_ISSUER). */
export const DEFAULT_AGENT_TOKEN_ISSUER = 'engagement-hub';
/** Default `aud` of agent tokens (AGENT_JWT_AUDIENCE). */
export const DEFAULT_AGENT_TOKEN_AUDIENCE = 'agent-gateway';
/** Default maximum lifetime (`exp - iat`) of an agent token, seconds (AGENT_JWT_MAX_LIFETIME_S). */
export const DEFAULT_AGENT_TOKEN_MAX_LIFETIME_S = 86_400;

/**
 * How tokens are verified: exactly one of an HS256 secret or a JWKS URL. `iss` and `aud` are always
 * checked (defaults {@link DEFAULT_AGENT_TOKEN_ISSUER}, {@link DEFAULT_AGENT_TOKEN_AUDIENCE}); `exp - iat`
 * must not exceed `maxLifetimeS` (default {@link DEFAULT_AGENT_TOKEN_MAX_LIFETIME_S}).
 */
export interface AgentTokenVerifierOptions {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  maxLifetimeS?: number;
}

/**
 * Verifies agent JWTs (RFC 7519) with `jose`: HS256 with a shared secret, or any asymmetric
 * algorithm with keys fetched (and cached) from a JWKS endpoint (RFC 7517). Required claims:
 * `sub` (agent id), `tid` or `tenant` (tenant slug), `exp`, `iat`, `iss` and `aud` (the configured values),
 * and a lifetime `exp - iat` within the maximum. Optional: `name`.
 */
export class AgentTokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[] | undefined;

  constructor(private readonly opts: AgentTokenVerifierOptions) {
    if (opts.secret && !opts.jwksUrl) {
      this.key = new TextEncoder().encode(opts.secret);
      this.algorithms = ['HS256'];
    } else if (opts.jwksUrl && !opts.secret) {
      this.key = createRemoteJWKSet(new URL(opts.jwksUrl));
      this.algorithms = undefined;
    } else {
      throw new Error('exactly one of secret or jwksUrl is required');
    }
  }

  /**
   * @param token compact JWS (without `Bearer `)
   * @returns the principal from the claims
   * @throws InvalidAgentTokenError naming what is wrong (expired, signature, missing claim …)
   */
  async verify(token: string | undefined | null): Promise<AgentPrincipal> {
    if (!token) throw new InvalidAgentTokenError('missing token');
    let payload: JWTPayload;
    try {
      const res = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.opts.issuer ?? DEFAULT_AGENT_TOKEN_ISSUER,
        audience: this.opts.audience ?? DEFAULT_AGENT_TOKEN_AUDIENCE,
        requiredClaims: ['exp', 'sub', 'iat'],
      });
      payload = res.payload;
    } catch (e) {
      throw new InvalidAgentTokenError(describeJoseError(e));
    }
    const max = this.opts.maxLifetimeS ?? DEFAULT_AGENT_TOKEN_MAX_LIFETIME_S;
    if ((payload.exp as number) - (payload.iat as number) > max)
      throw new InvalidAgentTokenError(`lifetime (exp - iat) exceeds ${max} s`);
    return principalFromClaims(payload);
  }
}

/**
 * Maps verified claims to a principal.
 * @throws InvalidAgentTokenError if `sub` or `tid`/`tenant` is missing or malformed
 */
export function principalFromClaims(claims: JWTPayload): AgentPrincipal {
  const tenant = claims['tid'] ?? claims['tenant'];
  const t = TenantIdSchema.safeParse(tenant);
  if (!t.success)
    throw new InvalidAgentTokenError(
      tenant === undefined ? 'missing claim tid' : 'claim tid is not a tenant slug',
    );
  const a = AgentIdSchema.safeParse(claims.sub);
  if (!a.success) throw new InvalidAgentTokenError('missing claim sub');
  const name = typeof claims['name'] === 'string' ? (claims['name'] as string) : undefined;
  return {
    tenantId: t.data,
    agentId: a.data,
    ...(name ? { name } : {}),
    ...(claims.exp ? { expiresAt: claims.exp * 1000 } : {}),
  };
}

function describeJoseError(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'token expired';
  if (e instanceof errors.JWTClaimValidationFailed) return `claim ${e.claim}: ${e.reason}`;
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return 'malformed token';
  if (e instanceof errors.JWKSNoMatchingKey) return 'no matching key in JWKS';
  return (e as Error).message ?? 'verification failed';
}

/**
 * Mints an HS256 agent token (local use, tests, the demo).
 * @param ttlSeconds lifetime in seconds
 */
export async function mintAgentToken(input: {
  secret: string;
  tenantId: string;
  agentId: string;
  name?: string;
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
}): Promise<string> {
  let jwt = new SignJWT({ tid: input.tenantId, ...(input.name ? { name: input.name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.agentId)
    .setIssuedAt()
    .setExpirationTime(`${input.ttlSeconds ?? 8 * 3600}s`);
  jwt = jwt
    .setIssuer(input.issuer ?? DEFAULT_AGENT_TOKEN_ISSUER)
    .setAudience(input.audience ?? DEFAULT_AGENT_TOKEN_AUDIENCE);
  return jwt.sign(new TextEncoder().encode(input.secret));
}
