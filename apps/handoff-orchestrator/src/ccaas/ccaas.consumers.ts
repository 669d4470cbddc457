import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { TargetError } from '@hub/ccaas';
import { MessagingService, PermanentError } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { CcaasContactRepository } from './ccaas-contact.repository';
import { CcaasTargets } from './ccaas-targets';
import {
  CCAAS_RETRY_OPTIONS,
  ExternalHandoffService,
  vendorRetryPolicy,
  type CcaasRetryOptions,
} from './external-handoff.service';

/**
 * Consumer group of the contact-center bridge (namespaced in test worlds). `hub.ccaas.commands.v1` is keyed
 * by handoff id, so one handoff's start / end run in order on one member of this group.
 */
export const CCAAS_CONSUMER_GROUP = 'handoff-orchestrator-ccaas';

/** Heartbeats while a long vendor call (retries with backoff) runs, so the group keeps the member. */
async function withHeartbeat<T>(heartbeat: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
  const t = setInterval(() => void heartbeat().catch(() => undefined), 2000);
  try {
    return await fn();
  } finally {
    clearInterval(t);
  }
}

/**
 * Thin Kafka handlers of the contact-center bridge:
 * - `hub.ccaas.commands.v1` → {@link ExternalHandoffService} (start / end the platform contact);
 * - `hub.conversation.messages.v1` inbound customer text of a conversation with an open external
 *   contact → the adapter's `sendCustomerMessage` (retried per the vendor failure policy; the vendor's
 *   idempotency token is our message id, so a redelivery is not a second line). A line the platform
 *   refuses for good (`invalid` / `auth`) is dead-lettered (PermanentError). Our own outbound relays
 *   (direction `outbound`) and other kinds are ignored.
 */
@Injectable()
export class CcaasConsumers implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: MessagingService,
    private readonly external: ExternalHandoffService,
    private readonly contacts: CcaasContactRepository,
    private readonly targets: CcaasTargets,
    @Inject(CCAAS_RETRY_OPTIONS) private readonly retryOpts: CcaasRetryOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const policy = vendorRetryPolicy(this.retryOpts);
    await this.messaging
      .createConsumer(CCAAS_CONSUMER_GROUP)
      .on('ccaasCommands', async (event, ctx) => {
        await withHeartbeat(ctx.heartbeat, () => this.external.execute(event.tenantId, event.data));
      })
      .on('conversationMessages', async (event, ctx) => {
        const m = event.data;
        if (m.direction !== 'inbound' || m.kind !== 'text' || m.sender.role !== 'customer' || !m.text) return;
        const stored = await this.contacts.openByConversation(event.tenantId, m.conversationId);
        if (!stored) return;
        const integration = await this.targets.load(event.tenantId, stored.integrationId, stored.target, {
          enabledOnly: false,
        });
        if (!integration) return;
        const adapter = this.targets.adapter(stored.target);
        try {
          await withHeartbeat(ctx.heartbeat, () =>
            policy.execute(() =>
              adapter.sendCustomerMessage(
                stored.contact,
                { messageId: m.messageId, text: m.text ?? '', at: m.sentAt },
                integration,
              ),
            ),
          );
        } catch (e) {
          if (e instanceof TargetError && !e.retriable) {
            this.logger.warn(
              { handoffId: stored.handoffId, err: e.message },
              'customer line refused by the platform',
            );
            throw new PermanentError(`platform refused the customer line: ${e.message}`);
          }
          throw e;
        }
      })
      .start();
  }
}
