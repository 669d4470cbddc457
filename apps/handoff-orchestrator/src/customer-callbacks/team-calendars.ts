import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  CalDavCalendar,
  CalendarError,
  GOOGLE_TOKEN_URL,
  GoogleCalendar,
  MICROSOFT_GRAPH_DEFAULT_SCOPE,
  MicrosoftGraphCalendar,
  OAuthTokenSource,
  microsoftTokenUrl,
  type AccessTokenProvider,
  type CalendarFetch,
  type CalendarPort,
  type CalendarProvider,
  type OAuthGrant,
} from '@hub/calendars';
import { IntegrationStore, OutboundHttp } from '@hub/integrations';
import { LOGGER } from '@hub/observability';

/** The calendar integration a team names is missing, disabled, or not a calendar. */
export class CalendarIntegrationMissingError extends Error {
  constructor(readonly integrationId: string) {
    super(`calendar integration ${integrationId} is missing, disabled or not a calendar`);
    this.name = 'CalendarIntegrationMissingError';
  }
}

/** Delegated Microsoft Graph scopes asked for on a refresh when `config.scope` is not set. */
const MICROSOFT_DELEGATED_SCOPE = 'offline_access https://graph.microsoft.com/Calendars.ReadWrite';

/** The OAuth settings of a Google / Microsoft calendar integration (null: a static `accessToken`). */
interface OAuthSettings {
  provider: CalendarProvider;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  grant: OAuthGrant;
}

/**
 * A team's {@link CalendarPort} from its calendar integration (`calendar_caldav` | `calendar_google` |
 * `calendar_microsoft` in @hub/integrations, secrets decrypted by the store). Every request — calendar API and token
 * endpoint — goes through the service's {@link OutboundHttp} (outbound URL policy: vetted, pinned, no redirects).
 *
 * Google / Microsoft with OAuth client credentials in the secrets get their access tokens from one
 * {@link OAuthTokenSource} per integration, kept in this process: cached until shortly before `expires_in`, refreshed
 * once on a 401, a rotated refresh token written back to the integration's secrets (encrypted by the store). The
 * source is replaced when the stored client or token URL changes, or when the stored refresh token is one it never
 * held (an administrator re-consented). A static `accessToken` is used as stored (backwards compatible).
 */
@Injectable()
export class TeamCalendars {
  private readonly sources = new Map<string, { fingerprint: string; source: OAuthTokenSource }>();

  constructor(
    private readonly store: IntegrationStore,
    private readonly outbound: OutboundHttp,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private readonly fetch: CalendarFetch = (url, init) => this.outbound.fetch(url, init);

  /**
   * @returns the adapter, or null when `integrationId` is null (the team uses the queue model)
   * @throws CalendarIntegrationMissingError; CalendarError when the OAuth settings are incomplete
   */
  async forTeam(tenantId: string, integrationId: string | null): Promise<CalendarPort | null> {
    if (!integrationId) return null;
    const caldav = await this.store.load(tenantId, integrationId, 'calendar_caldav');
    if (caldav)
      return new CalDavCalendar({ calendarUrl: caldav.config.calendarUrl, ...caldav.secrets }, this.fetch);
    const google = await this.store.load(tenantId, integrationId, 'calendar_google');
    if (google) {
      const s = google.secrets;
      const oauth: OAuthSettings | null =
        s.clientId && s.clientSecret && s.refreshToken
          ? {
              provider: 'google',
              tokenUrl: google.config.tokenUrl ?? GOOGLE_TOKEN_URL,
              clientId: s.clientId,
              clientSecret: s.clientSecret,
              grant: { type: 'refresh_token', refreshToken: s.refreshToken },
            }
          : null;
      const token = this.tokenProvider(tenantId, integrationId, oauth, s.accessToken, s);
      return new GoogleCalendar(google.config, token, this.fetch);
    }
    const ms = await this.store.load(tenantId, integrationId, 'calendar_microsoft');
    if (ms) {
      const s = ms.secrets;
      const c = ms.config;
      let oauth: OAuthSettings | null = null;
      if (s.clientId && s.clientSecret) {
        const grant: OAuthGrant = s.refreshToken
          ? {
              type: 'refresh_token',
              refreshToken: s.refreshToken,
              scope: c.scope ?? MICROSOFT_DELEGATED_SCOPE,
            }
          : { type: 'client_credentials', scope: c.scope ?? MICROSOFT_GRAPH_DEFAULT_SCOPE };
        if (grant.type === 'client_credentials' && !c.tenantId && !c.tokenUrl)
          throw new CalendarError(
            'microsoft_graph',
            `calendar integration ${integrationId}: app-only access (client credentials) needs config.tenantId or config.tokenUrl`,
          );
        oauth = {
          provider: 'microsoft_graph',
          tokenUrl: c.tokenUrl ?? microsoftTokenUrl(c.tenantId ?? 'common'),
          clientId: s.clientId,
          clientSecret: s.clientSecret,
          grant,
        };
      }
      const token = this.tokenProvider(tenantId, integrationId, oauth, s.accessToken, s);
      return new MicrosoftGraphCalendar(c, token, this.fetch);
    }
    throw new CalendarIntegrationMissingError(integrationId);
  }

  /** The integration's token provider: its cached {@link OAuthTokenSource}, or the stored static token. */
  private tokenProvider(
    tenantId: string,
    integrationId: string,
    oauth: OAuthSettings | null,
    accessToken: string | undefined,
    storedSecrets: Record<string, unknown>,
  ): AccessTokenProvider {
    if (!oauth) {
      this.sources.delete(integrationId);
      const token = accessToken ?? '';
      return async () => token;
    }
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([tenantId, oauth.tokenUrl, oauth.clientId, oauth.clientSecret, oauth.grant.scope]),
      )
      .digest('hex');
    const stored = oauth.grant.type === 'refresh_token' ? oauth.grant.refreshToken : null;
    const hit = this.sources.get(integrationId);
    if (hit && hit.fingerprint === fingerprint && (!stored || hit.source.refreshTokensSeen.has(stored)))
      return (o) => hit.source.token(o);
    const source = new OAuthTokenSource({
      ...oauth,
      integrationId,
      fetch: this.outbound.fetch,
      onRefreshTokenRotated: (refreshToken) =>
        this.persistRotated(tenantId, integrationId, storedSecrets, refreshToken),
    });
    this.sources.set(integrationId, { fingerprint, source });
    return (o) => source.token(o);
  }

  /** Writes a rotated refresh token back (the store encrypts it); a failure is logged, the token stays in memory. */
  private async persistRotated(
    tenantId: string,
    integrationId: string,
    storedSecrets: Record<string, unknown>,
    refreshToken: string,
  ): Promise<void> {
    try {
      const current = (await this.store.readSecrets(tenantId, integrationId)) ?? storedSecrets;
      await this.store.update(tenantId, integrationId, { secrets: { ...current, refreshToken } });
      this.logger.info({ integrationId }, 'calendar OAuth refresh token rotated and stored');
    } catch (e) {
      this.logger.error(
        { integrationId, err: (e as Error).message },
        'calendar OAuth refresh token rotated but could not be stored (kept in memory)',
      );
    }
  }
}
