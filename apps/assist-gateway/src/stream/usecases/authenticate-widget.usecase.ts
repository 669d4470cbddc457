import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { WIDGET_TOKENS } from '../../tokens.di';
import { UrlHintsSchema, contradictingHint, type WidgetClaims } from '../../domain/widget-claims';
import { InvalidTokenError, type WidgetTokenService } from '../../tokens/widget-token.service';

/** Socket.IO handshake `auth` payload of a widget: the token and the (unsigned) URL parameters. */
export const WidgetHandshakeSchema = z.object({
  token: z.string().max(8192).optional(),
  hints: UrlHintsSchema.optional(),
});

/** A widget connection refused; `reason` goes to the client in `connect_error.data`. */
export class WidgetAuthError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'WidgetAuthError';
  }
}

/** What an authenticated widget connection may see. */
export interface WidgetSession {
  claims: WidgetClaims;
  /** Token expiry, epoch seconds. */
  exp: number;
}

/**
 * Decides whether a widget connection is allowed. Only a hub-signed, unexpired token grants
 * access; tenant, agent and interaction come from its claims. URL parameters are hints that may
 * only agree with the token (a contradiction is refused, a parameter alone grants nothing).
 * @throws WidgetAuthError (`handshake_invalid`, `token_missing`, `token_expired`, `token_invalid`,
 *   `claims_invalid`, `url_param_mismatch`)
 */
@Injectable()
export class AuthenticateWidgetUseCase {
  constructor(@Inject(WIDGET_TOKENS) private readonly tokens: WidgetTokenService) {}

  async execute(handshakeAuth: unknown): Promise<WidgetSession> {
    const hs = WidgetHandshakeSchema.safeParse(handshakeAuth ?? {});
    if (!hs.success) throw new WidgetAuthError('handshake_invalid', 'malformed handshake auth payload');
    let verified: WidgetClaims & { exp: number };
    try {
      verified = await this.tokens.verify(hs.data.token);
    } catch (e) {
      if (e instanceof InvalidTokenError) throw new WidgetAuthError(e.reason, e.message);
      throw e;
    }
    const { exp, ...claims } = verified;
    const bad = contradictingHint(claims, hs.data.hints ?? {});
    if (bad)
      throw new WidgetAuthError('url_param_mismatch', `URL parameter ${bad} does not match the widget token`);
    return { claims, exp };
  }
}
