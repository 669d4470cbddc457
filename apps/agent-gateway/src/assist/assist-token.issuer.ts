import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

/** `aud` assist-gateway requires of every widget token (apps/assist-gateway `WIDGET_AUDIENCE`). */
export const ASSIST_WIDGET_AUDIENCE = 'assist-widget';

/** A signed widget token for the Agent Desktop's assist panel. */
export interface AssistWidgetToken {
  token: string;
  /** ISO 8601 instant the token stops being accepted. */
  expiresAt: string;
}

/** Settings of {@link AssistTokenIssuer}. */
export interface AssistTokenIssuerOptions {
  /** HS256 secret shared with assist-gateway (its `EMBED_TOKEN_SECRET`, ≥ 32 bytes UTF-8). */
  secret: string;
  /** `iss` (assist-gateway's `EMBED_TOKEN_ISSUER`). */
  issuer: string;
  /** Lifetime, s. Must not exceed assist-gateway's `EMBED_TOKEN_MAX_TTL_S` or it refuses the token. */
  ttlSeconds: number;
}

/**
 * Mints the widget tokens the Agent Desktop connects to assist-gateway with (docs/assist-widget.md,
 * "Embed tokens"): compact JWS (RFC 7515) JWT (RFC 7519), HS256, `aud: assist-widget`, claims
 * `{tid, sub, provider: 'hub', interactionId, use: 'embed'}` plus `iat`, `exp`, `jti`. The desktop is
 * then a widget host like a vendor desktop: it receives that interaction's suggestions and forwards
 * the conversation's lines (`utterance`). Tenant and agent come only from the verified agent token.
 */
export class AssistTokenIssuer {
  private readonly key: Uint8Array;

  constructor(private readonly opts: AssistTokenIssuerOptions) {
    this.key = new TextEncoder().encode(opts.secret);
  }

  /**
   * Signs a token bound to one interaction (the work item's conversation id).
   * @param now issue time (tests)
   */
  async mint(
    claims: { tenantId: string; agentId: string; interactionId: string },
    now = new Date(),
  ): Promise<AssistWidgetToken> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.opts.ttlSeconds;
    const token = await new SignJWT({
      tid: claims.tenantId,
      provider: 'hub',
      interactionId: claims.interactionId,
      use: 'embed',
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.opts.issuer)
      .setAudience(ASSIST_WIDGET_AUDIENCE)
      .setSubject(claims.agentId)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }
}
