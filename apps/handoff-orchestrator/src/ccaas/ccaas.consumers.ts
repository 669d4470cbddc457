import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { checkFileLimits, TargetError } from '@hub/ccaas';
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
 * - `hub.conversation.messages.v1` inbound customer messages of a conversation with an open external
 *   contact: `text` → the adapter's `sendCustomerMessage` (retried per the vendor failure policy; the vendor's
 *   idempotency token is our message id, so a redelivery is not a second line); `file` → checked against the
 *   adapter's `fileLimits` (refused → dead-lettered naming `file.sizeBytes` / `file.contentType`), then
 *   `sendCustomerFile` (retried likewise); `typing` (started) → `sendCustomerTyping`, one try, failures logged.
 *   A message the platform refuses for good (`invalid` / `auth`) is dead-lettered (PermanentError). Our own
 *   outbound relays (direction `outbound`) and kinds a platform does not take are ignored.
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
        if (m.direction !== 'inbound' || m.sender.role !== 'customer') return;
        const forwarded =
          (m.kind === 'text' && !!m.text) ||
          (m.kind === 'typing' && m.typing === true) ||
          (m.kind === 'file' && !!m.file);
        if (!forwarded) return;
        const stored = await this.contacts.openByConversation(event.tenantId, m.conversationId);
        if (!stored) return;
        const adapter = this.targets.adapter(stored.target);
        if (m.kind === 'typing' && !adapter.sendCustomerTyping) return;
        if (m.kind === 'file' && !adapter.sendCustomerFile) {
          this.logger.warn(
            { handoffId: stored.handoffId, target: stored.target },
            'customer file not forwarded: the platform takes no files',
          );
          return;
        }
        const integration = await this.targets.load(event.tenantId, stored.integrationId, stored.target, {
          enabledOnly: false,
        });
        if (!integration) return;
        if (m.kind === 'typing') {
          // Ephemeral: one try, never retried or dead-lettered (a stale "typing" is worse than none).
          await adapter
            .sendCustomerTyping?.(stored.contact, integration)
            .catch((e: Error) =>
              this.logger.warn(
                { handoffId: stored.handoffId, err: e.message },
                'customer typing not forwarded',
              ),
            );
          return;
        }
        if (m.kind === 'file' && m.file) {
          const refused = adapter.fileLimits ? checkFileLimits(m.file, adapter.fileLimits) : null;
          if (refused) {
            this.logger.warn(
              { handoffId: stored.handoffId, field: refused.field, err: refused.message },
              'customer file refused by the platform limits',
            );
            throw new PermanentError(`${refused.field}: ${refused.message}`);
          }
        }
        const file = m.kind === 'file' ? m.file : undefined;
        const sendFile = adapter.sendCustomerFile?.bind(adapter);
        try {
          await withHeartbeat(ctx.heartbeat, () =>
            policy.execute(() =>
              file && sendFile
                ? sendFile(
                    stored.contact,
                    {
                      messageId: m.messageId,
                      name: file.name,
                      contentType: file.contentType,
                      sizeBytes: file.sizeBytes,
                      url: file.url,
                      at: m.sentAt,
                    },
                    integration,
                  )
                : adapter.sendCustomerMessage(
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
