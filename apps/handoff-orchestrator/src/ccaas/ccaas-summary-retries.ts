import { Injectable } from '@nestjs/common';
import { ccaasCommand } from './ccaas-events';
import { CcaasContactRepository } from './ccaas-contact.repository';

/**
 * Fires due durable retries of the wrap-up note ("save summary", docs/ccaas.md). Not a loop of its own: the
 * handoff timer loop ({@link HandoffTimerService}) calls {@link fireDue} on every scan. Each due row
 * (`ccaas_contacts.summary_retry_at <= now()`, all tenants through the system path `hub_due_ccaas_summaries`) is
 * claimed inside its tenant and gets a `save_summary` command in the outbox in the same transaction (one replica
 * wins; a crash leaves the row due), which the contact-center bridge consumer runs like the first attempt.
 */
@Injectable()
export class CcaasSummaryRetries {
  constructor(private readonly contacts: CcaasContactRepository) {}

  /** @returns how many retries were fired */
  async fireDue(limit = 100): Promise<number> {
    let fired = 0;
    for (const due of await this.contacts.listDueSummaries(limit)) {
      const claimed = await this.contacts.claimDueSummary(due.tenantId, due.handoffId, (row) =>
        ccaasCommand(
          due.tenantId,
          row.conversationId,
          {
            command: 'save_summary',
            handoffId: due.handoffId,
            integrationId: row.integrationId,
            target: row.target,
          },
          { causationId: `summary-retry:${due.handoffId}` },
        ),
      );
      if (claimed) fired++;
    }
    return fired;
  }
}
