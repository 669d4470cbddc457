import { Inject, Injectable } from '@nestjs/common';
import { ASSIST_CONFIG, WIDGET_TOKENS } from '../../tokens.di';
import type { AssistGatewayConfig } from '../../config';
import {
  embedClaimsFor,
  type ClaimProblem,
  type EmbedTokenRequest,
  type WidgetClaims,
} from '../../domain/widget-claims';
import { IssuerAuthenticator, type IssuerPrincipal } from '../issuer-auth';
import type { SignedToken, WidgetTokenService } from '../widget-token.service';

/** The caller may not mint tokens for this tenant. */
export class IssuerForbiddenError extends Error {}
/** The request breaks a per-provider rule; `problems` name the fields. */
export class EmbedTokenRequestError extends Error {
  constructor(readonly problems: ClaimProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

/** An issued embed token, its claims and the widget URL that uses it. */
export interface IssuedEmbedToken extends SignedToken {
  claims: WidgetClaims;
  /** Relative widget URL carrying the token in the fragment (never sent to servers or in Referer). */
  widgetPath: string;
}

/**
 * Mints an embed token for a tenant's agent (and interaction / vendor context): checks the caller
 * may issue for the tenant, normalises the claims, caps the lifetime at EMBED_TOKEN_MAX_TTL_S.
 * @throws IssuerForbiddenError when a tenant key asks for another tenant
 * @throws EmbedTokenRequestError when the claims break a provider rule
 */
@Injectable()
export class IssueEmbedTokenUseCase {
  constructor(
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
    @Inject(WIDGET_TOKENS) private readonly tokens: WidgetTokenService,
  ) {}

  async execute(principal: IssuerPrincipal, req: EmbedTokenRequest): Promise<IssuedEmbedToken> {
    if (!IssuerAuthenticator.mayIssueFor(principal, req.tenantId))
      throw new IssuerForbiddenError(`this key may not issue tokens for tenant ${req.tenantId}`);
    const r = embedClaimsFor(req);
    if (!r.ok) throw new EmbedTokenRequestError(r.problems);
    const ttl = Math.min(
      req.ttlSeconds ?? this.config.EMBED_TOKEN_DEFAULT_TTL_S,
      this.config.EMBED_TOKEN_MAX_TTL_S,
    );
    const signed = await this.tokens.sign(r.claims, ttl);
    return { ...signed, claims: r.claims, widgetPath: `/widget/#token=${signed.token}` };
  }
}
