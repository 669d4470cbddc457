import { Injectable } from '@nestjs/common';
import {
  OutboundHttp,
  redactVendorText,
  type IntegrationConfig,
  type IntegrationSecrets,
} from '@hub/integrations';

/** The Salesforce user a verified token belongs to. */
export interface SalesforceIdentity {
  /** 18-character user id (`005…`). */
  userId: string;
  /** Org id as Salesforce returned it (`00D…`). */
  orgId: string;
  username?: string;
}

/** The token was not accepted; `reason` is the 401 body's `reason`. */
export class SalesforceTokenError extends Error {
  constructor(
    readonly reason:
      'token_invalid' | 'token_inactive' | 'org_mismatch' | 'client_mismatch' | 'identity_invalid',
    message: string,
  ) {
    super(message);
    this.name = 'SalesforceTokenError';
  }
}

/** Salesforce ids compare on their case-sensitive 15-character form (the 18-character form adds a checksum). */
function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

/**
 * Verifies a Salesforce user's access token at the org's own My Domain (Salesforce Help "OpenID
 * Connect UserInfo Endpoint" and "OpenID Connect Token Introspection Endpoint"):
 *  - `GET {myDomain}/services/oauth2/userinfo` with `Authorization: Bearer <token>` →
 *    `{sub: "https://login.salesforce.com/id/<orgId>/<userId>", user_id, organization_id, preferred_username, …}`
 *    (401 for an invalid or expired token). The org must be the integration's `orgId`, and `sub` must
 *    name the same org and user (the issuer's identity URL);
 *  - with a connected-app secret: `POST {myDomain}/services/oauth2/introspect`
 *    (`application/x-www-form-urlencoded` `token`, `token_type_hint=access_token`, `client_id`,
 *    `client_secret`; RFC 7662) → `{active, client_id, exp, …}`: must be active, unexpired and issued
 *    to the integration's `clientId`.
 * Requests go through {@link OutboundHttp} (policy-vetted My Domain, pinned, no redirects, 10 s);
 * Salesforce's error text is redacted of the token.
 */
@Injectable()
export class SalesforceIdentityClient {
  constructor(private readonly outbound: OutboundHttp) {}

  /**
   * @throws SalesforceTokenError when the token is refused or belongs to another org / app
   * @throws Error when the My Domain is not reachable (the caller answers 502)
   */
  async verify(
    config: IntegrationConfig<'salesforce_identity'>,
    secrets: IntegrationSecrets<'salesforce_identity'>,
    accessToken: string,
    now = new Date(),
  ): Promise<SalesforceIdentity> {
    const base = config.myDomainUrl.replace(/\/+$/, '');
    const info = await this.outbound.request(`${base}/services/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    const infoText = await info.text(1 << 20);
    if (info.status === 401 || info.status === 403)
      throw new SalesforceTokenError(
        'token_invalid',
        `Salesforce userinfo refused the token (${info.status}): ${redactVendorText(infoText, { secrets: [accessToken] })}`,
      );
    if (info.status !== 200) throw new Error(`Salesforce userinfo answered ${info.status}`);
    const u = JSON.parse(infoText) as Record<string, unknown>;
    const userId = u['user_id'];
    const orgId = u['organization_id'];
    const sub = u['sub'];
    if (typeof userId !== 'string' || typeof orgId !== 'string' || typeof sub !== 'string')
      throw new SalesforceTokenError('identity_invalid', 'userinfo lacks user_id / organization_id / sub');
    if (!sameId(orgId, config.orgId))
      throw new SalesforceTokenError(
        'org_mismatch',
        `the token belongs to org ${orgId}, not ${config.orgId}`,
      );
    const [, subOrg = '', subUser = ''] = /\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/.exec(sub) ?? [];
    if (!sameId(subOrg, orgId) || !sameId(subUser, userId))
      throw new SalesforceTokenError('identity_invalid', 'userinfo sub does not name the same org and user');

    if (secrets.clientSecret && config.clientId) {
      const res = await this.outbound.request(`${base}/services/oauth2/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          token: accessToken,
          token_type_hint: 'access_token',
          client_id: config.clientId,
          client_secret: secrets.clientSecret,
        }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text(1 << 20);
      if (res.status !== 200)
        throw new Error(
          `Salesforce introspection answered ${res.status}: ${redactVendorText(text, { secrets: [accessToken, secrets.clientSecret] })}`,
        );
      const r = JSON.parse(text) as { active?: unknown; client_id?: unknown; exp?: unknown };
      if (r.active !== true) throw new SalesforceTokenError('token_inactive', 'the token is not active');
      if (typeof r.exp === 'number' && r.exp * 1000 <= now.getTime())
        throw new SalesforceTokenError('token_inactive', 'the token has expired');
      if (r.client_id !== config.clientId)
        throw new SalesforceTokenError('client_mismatch', 'the token was issued to another connected app');
    }
    return {
      userId,
      orgId,
      ...(typeof u['preferred_username'] === 'string' ? { username: u['preferred_username'] } : {}),
    };
  }
}
