import { ScanLoop } from '@hub/scheduling';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { TargetError, type ExternalContact } from '@hub/ccaas';
import { LOGGER } from '@hub/observability';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import { HandoffRepository } from '../handoffs/handoff.repository';
import { ApplyTargetEventUseCase } from './apply-target-event.usecase';
import { CcaasContactRepository } from './ccaas-contact.repository';
import { CcaasTargets } from './ccaas-targets';

/** Injection token of {@link EndPollOptions}. */
export const END_POLL_OPTIONS = Symbol('END_POLL_OPTIONS');
export interface EndPollOptions {
  /** Interval between two reads of one contact's state at the platform, ms. */
  pollMs: number;
}

/**
 * The durable poll schedule of platforms that do not notify the agent's end (Genesys Cloud Open Messaging:
 * its webhook carries agent text and typing only). Like the handoff timers, the schedule *is* database state —
 * every open contact (`ccaas_contacts.status = 'open'`, system path `hub_open_ccaas_contacts`) whose handoff is
 * `accepted` and whose adapter has `pollEnded` is due every `pollMs` — so it survives restarts and any replica
 * carries it on. Each replica scans every `pollMs`; a Redis key per contact (`ccaas:poll:<handoff id>`,
 * `SET NX PX pollMs`) lets one replica per interval call the platform. A non-null result goes to the
 * {@link ApplyTargetEventUseCase} (idempotent per `eventId`: a second replica's or a repeated poll's `ended`
 * changes nothing), which relays `ended` to the bot and marks the contact over — which ends its polling.
 * Vendor errors are logged and retried at the next interval; nothing is lost.
 */
@Injectable()
export class CcaasEndPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: ScanLoop;

  constructor(
    private readonly contacts: CcaasContactRepository,
    private readonly handoffs: HandoffRepository,
    private readonly targets: CcaasTargets,
    private readonly sink: ApplyTargetEventUseCase,
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    @Inject(END_POLL_OPTIONS) private readonly opts: EndPollOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.loop = new ScanLoop(() => this.tick(), {
      pollMs: opts.pollMs,
      initialDelayMs: opts.pollMs,
      unref: true,
      onError: (e) => logger.warn({ err: e.message }, 'contact-center end poll failed'),
    });
  }

  onApplicationBootstrap(): void {
    // Nothing to poll unless a registered vendor needs it.
    if (this.targets.pollingTypes().length) this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass over the open contacts (never throws). */
  async tick(): Promise<void> {
    try {
      const polling = new Set(this.targets.pollingTypes());
      for (const { tenantId, handoffId } of await this.contacts.listOpen(500)) {
        if (this.loop.stopped) return;
        const c = await this.contacts.byHandoff(tenantId, handoffId);
        if (!c || c.status !== 'open' || !polling.has(c.target)) continue;
        const h = (await this.handoffs.findWithTransitions(tenantId, handoffId))?.handoff;
        if (h?.status !== 'accepted') continue;
        const got = await this.bus.publisher.set(
          `${this.bus.namespace}ccaas:poll:${handoffId}`,
          '1',
          'PX',
          this.opts.pollMs,
          'NX',
        );
        if (got !== 'OK') continue;
        await this.pollOne(tenantId, c.integrationId, c.target, handoffId, c.contact);
      }
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'contact-center end poll failed');
    }
  }

  private async pollOne(
    tenantId: string,
    integrationId: string,
    target: string,
    handoffId: string,
    contact: ExternalContact,
  ): Promise<void> {
    const adapter = this.targets.adapter(target);
    try {
      const integration = await this.targets.load(tenantId, integrationId, target, { enabledOnly: false });
      if (!integration || !adapter.pollEnded) return;
      const r = await adapter.pollEnded(contact, integration);
      if (r) await this.sink.report({ tenantId, integrationId, ...r });
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      this.logger.warn(
        { handoffId, target, kind: e.kind, err: e.message },
        'could not read the contact at the platform; polled again next interval',
      );
    }
  }
}
