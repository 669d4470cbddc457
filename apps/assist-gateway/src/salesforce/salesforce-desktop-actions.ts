import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { IntegrationStore, OutboundRedirectRefusedError, OutboundUrlRefusedError } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import type { DesktopActionAck } from '../domain/desktop-actions';
import type { WidgetClaims } from '../domain/widget-claims';
import type { VendorDesktopActions } from '../desktop/vendor-desktop-actions';
import { SalesforceAgentTokenRepository } from './salesforce-agent-token.repository';
import { SalesforceApiError, SalesforceRecordsClient } from './salesforce-records.client';

/**
 * Salesforce desktop actions:
 *  - save summary: the note is written to the work record (`workRecordObject`, id = the widget's interaction)
 *    field `summaryField` of the `salesforce_identity` integration through the REST API, with the user's token
 *    from the token exchange (`gid` claim);
 *  - send message: done in the Lightning page, not here — the widget asks the LWC host over postMessage and
 *    the component calls the Conversation Toolkit API `sendTextMessage(recordId, {text})` (Enhanced Messaging
 *    has no documented REST call that sends an agent message); a `message.send` reaching the gateway is
 *    answered `not_supported`.
 */
@Injectable()
export class SalesforceDesktopActions implements VendorDesktopActions {
  constructor(
    private readonly grants: SalesforceAgentTokenRepository,
    private readonly store: IntegrationStore,
    private readonly records: SalesforceRecordsClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async sendMessage(): Promise<DesktopActionAck> {
    return {
      ok: false,
      reason: 'not_supported',
      error:
        'Salesforce messages are sent by the Lightning component (Conversation Toolkit API), not the gateway',
    };
  }

  async saveSummary(claims: WidgetClaims, summary: { notes: string }): Promise<DesktopActionAck> {
    const recordId = claims.interactionId as string;
    const owner = { tenantId: claims.tid, userId: claims.sub, conversationId: recordId };
    const grant = claims.gid ? await this.grants.find(claims.gid, owner) : null;
    if (!grant)
      return {
        ok: false,
        reason: 'not_signed_in',
        error: 'no Salesforce token for this user and record: exchange the Salesforce token again',
      };
    const row = await this.store.load(claims.tid, grant.integrationId, 'salesforce_identity', {
      enabledOnly: true,
    });
    if (!row?.config.summaryField)
      return {
        ok: false,
        reason: 'not_supported',
        error: 'the salesforce_identity integration has no summaryField (or is disabled)',
      };
    const c = row.config;
    try {
      await this.records.updateRecord(
        c.myDomainUrl,
        grant.accessToken,
        c.apiVersion,
        c.workRecordObject,
        recordId,
        {
          [c.summaryField as string]: summary.notes,
        },
      );
      return { ok: true, action: 'summary.save' };
    } catch (e) {
      if (e instanceof SalesforceApiError) {
        if (e.reason === 'token_refused' && claims.gid) await this.grants.remove(claims.gid);
        return { ok: false, reason: e.reason, error: e.message };
      }
      if (e instanceof OutboundUrlRefusedError || e instanceof OutboundRedirectRefusedError)
        return { ok: false, reason: 'vendor_error', error: (e as Error).message };
      this.logger.warn({ err: (e as Error).message, tenantId: claims.tid }, 'Salesforce API unreachable');
      return { ok: false, reason: 'unavailable', error: 'Salesforce could not be reached; retry' };
    }
  }
}
