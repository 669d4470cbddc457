import { Injectable } from '@nestjs/common';
import {
  CalDavCalendar,
  GoogleCalendar,
  MicrosoftGraphCalendar,
  type CalendarFetch,
  type CalendarPort,
} from '@hub/calendars';
import { IntegrationStore, OutboundHttp } from '@hub/integrations';

/** The calendar integration a team names is missing, disabled, or not a calendar. */
export class CalendarIntegrationMissingError extends Error {
  constructor(readonly integrationId: string) {
    super(`calendar integration ${integrationId} is missing, disabled or not a calendar`);
    this.name = 'CalendarIntegrationMissingError';
  }
}

/**
 * A team's {@link CalendarPort} from its calendar integration (`calendar_caldav` | `calendar_google` |
 * `calendar_microsoft` in @hub/integrations, secrets decrypted by the store). Every request goes through the
 * service's {@link OutboundHttp} (outbound URL policy: vetted, pinned, no redirects).
 */
@Injectable()
export class TeamCalendars {
  constructor(
    private readonly store: IntegrationStore,
    private readonly outbound: OutboundHttp,
  ) {}

  private readonly fetch: CalendarFetch = (url, init) => this.outbound.fetch(url, init);

  /**
   * @returns the adapter, or null when `integrationId` is null (the team uses the queue model)
   * @throws CalendarIntegrationMissingError
   */
  async forTeam(tenantId: string, integrationId: string | null): Promise<CalendarPort | null> {
    if (!integrationId) return null;
    const caldav = await this.store.load(tenantId, integrationId, 'calendar_caldav');
    if (caldav)
      return new CalDavCalendar({ calendarUrl: caldav.config.calendarUrl, ...caldav.secrets }, this.fetch);
    const google = await this.store.load(tenantId, integrationId, 'calendar_google');
    if (google) {
      const token = google.secrets.accessToken;
      return new GoogleCalendar(google.config, async () => token, this.fetch);
    }
    const ms = await this.store.load(tenantId, integrationId, 'calendar_microsoft');
    if (ms) {
      const token = ms.secrets.accessToken;
      return new MicrosoftGraphCalendar(ms.config, async () => token, this.fetch);
    }
    throw new CalendarIntegrationMissingError(integrationId);
  }
}
