import { ScanLoop } from '@hub/scheduling';
import { agentEmailFor } from './usecases/schedule-callback.usecase';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { CallbackClock } from './callback-clock';
import { CallbackNotifier } from './callback-notifier';
import { StartCallbackWorkItemUseCase } from './usecases/start-callback-work-item.usecase';
import {
  CustomerCallbackRepository,
  type ClaimedNotification,
  type DeliveryReceipt,
} from './customer-callback.repository';

/** Injection token of {@link CallbackDispatcherOptions}. */
export const CALLBACK_DISPATCHER_OPTIONS = Symbol('CALLBACK_DISPATCHER_OPTIONS');
/** Options of {@link CallbackNotificationDispatcher}. */
export interface CallbackDispatcherOptions {
  /** Pause between scans for due notifications, ms. */
  pollMs: number;
}

/**
 * The durable timer of customer callbacks: confirmations, reminders (slot − 15 min), cancellations and the
 * slot-time work item (a handoff on the team's queue, {@link StartCallbackWorkItemUseCase}) are rows
 * with a due time (`customer_callback_notifications`), due by {@link CallbackClock}. Every `pollMs` this loop finds the due ones of every tenant
 * (`hub_due_callback_notifications`, a SECURITY DEFINER system path) and delivers each inside its tenant's
 * transaction under `FOR UPDATE SKIP LOCKED`, marking it sent in that transaction: it survives restarts,
 * replicas never send one twice, and a failed send is retried with exponential backoff (≤ 5 min, 10 attempts).
 * A crash between the SMTP answer and the commit re-sends that one message (at-least-once). A
 * `PermanentDeliveryError` (no SMS provider, invalid number …) marks the row failed at once, never retried.
 */
@Injectable()
export class CallbackNotificationDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: ScanLoop;

  constructor(
    private readonly repo: CustomerCallbackRepository,
    private readonly notifier: CallbackNotifier,
    private readonly workItems: StartCallbackWorkItemUseCase,
    @Inject(CALLBACK_DISPATCHER_OPTIONS) private readonly opts: CallbackDispatcherOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly clock: CallbackClock,
  ) {
    this.loop = new ScanLoop(async () => void (await this.tick()), {
      pollMs: opts.pollMs,
      onError: (e) => logger.warn({ err: e.message }, 'callback notification scan failed'),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Delivers every due notification once; returns how many were sent. */
  async tick(): Promise<number> {
    let sent = 0;
    try {
      const due = await this.repo.dueNotifications(50, this.clock.now());
      for (const d of due) {
        if (this.loop.stopped) break;
        if (await this.repo.deliver(d.tenant_id, d.id, (n) => this.send(n))) sent++;
      }
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'callback notification scan failed');
    }
    return sent;
  }

  private async send(n: ClaimedNotification): Promise<DeliveryReceipt | void> {
    const cb = n.callback;
    if (n.kind === 'work_item') return this.workItems.execute(cb);
    const team = await this.repo.team(cb.tenantId, cb.queueId);
    const zone = team?.zone ?? 'UTC';
    const to =
      n.recipient === 'agent'
        ? team && agentEmailFor(team, cb.agentId)
        : n.medium === 'sms'
          ? cb.customerPhone
          : cb.customerEmail;
    if (!to) return; // the address was removed since: nothing to send
    try {
      return await this.notifier.send(n, to, zone);
    } catch (e) {
      this.logger.warn(
        { callbackId: cb.id, kind: n.kind, medium: n.medium, err: (e as Error).message },
        'callback notification failed',
      );
      throw e;
    }
  }
}
