import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { workItemTypeForChannel, type WorkItemCommand } from '@hub/contracts';
import { PermanentError } from '@hub/messaging';
import { claimEventSql } from '@hub/persistence';
import { LOGGER } from '@hub/observability';
import type { RouterConfig } from '../../config';
import { ROUTER_CONFIG } from '../../tokens';
import { resolveQueue } from '../../domain/queue-resolution';
import { Dispatcher, type DispatchOutcome } from '../dispatcher';
import { RoutingRepository } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';
import { CONSUMER_NAME } from '../consumer-name';

export type CreateCommand = Extract<WorkItemCommand, { command: 'create' }>;

/** Result of {@link CreateWorkItemUseCase.execute}. */
export type CreateResult = 'duplicate' | 'exists' | 'failed' | DispatchOutcome;

/**
 * `create`: resolves the queue (five levels, see domain/queue-resolution), stores the work item with
 * its full context and offers it (or assigns it, auto-accept) to the longest idle eligible agent.
 * Idempotent twice over: on the command's event id (inbox) and on the work item id (a second
 * create for an existing item is a no-op). No active queue → the item is stored `failed` with
 * `no_active_queue` at once.
 *
 * Targeted routing (docs/routing.md): `routing.agent_id` makes the item the preferred agent's alone —
 * offered only to it while it is online with a free slot — for `routing.agent_wait_ms` (default
 * `ROUTER_TARGET_AGENT_WAIT_MS`), then it falls back to the whole queue (`TargetFallbackUseCase`); a
 * decline or expiry of the targeted offer falls back at once; `routing.agent_strict` never falls back.
 */
@Injectable()
export class CreateWorkItemUseCase {
  constructor(
    private readonly txs: RoutingTransactions,
    private readonly repo: RoutingRepository,
    private readonly dispatcher: Dispatcher,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * @param eventId the command envelope's id (inbox key)
   * @throws PermanentError(tenant_mismatch) if the work item id already belongs to another tenant
   */
  execute(tenantId: string, eventId: string, cmd: CreateCommand): Promise<CreateResult> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      // Inbox claim, idempotency lookup and the tenant's queues in one round trip.
      const first = await this.repo.claimAndLoadForCreate(rt.db, {
        consumer: CONSUMER_NAME,
        eventId,
        workItemId: cmd.workItemId,
        tenantId,
      });
      if (!first.claimed) return 'duplicate';
      if (first.existingTenantId !== null) {
        if (first.existingTenantId !== tenantId)
          throw new PermanentError(
            `work item ${cmd.workItemId} belongs to another tenant`,
            'tenant_mismatch',
          );
        return 'exists';
      }
      const type = workItemTypeForChannel(cmd.context.channel);
      if (type !== cmd.type)
        this.logger.warn(
          { workItemId: cmd.workItemId, given: cmd.type, type },
          'work item type follows the channel',
        );

      const resolution = resolveQueue(
        { routing: cmd.routing, integrationDefaultQueueId: cmd.integrationDefaultQueueId },
        first.queues,
      );
      const base = {
        id: cmd.workItemId,
        tenantId,
        handoffId: cmd.handoffId,
        conversationId: cmd.conversationId,
        integrationId: cmd.integrationId,
        type,
        priority: cmd.priority,
        routing: cmd.routing,
        channel: cmd.context.channel,
        transcript: cmd.context.transcript,
        summary: cmd.context.summary,
        summarySource: cmd.context.summarySource,
        intent: cmd.context.intent,
        escalationReason: cmd.context.escalationReason,
        sentiment: cmd.context.sentiment,
        sentimentSource: cmd.context.sentimentSource,
        attributes: cmd.context.attributes,
        contact: cmd.context.contact,
      };

      if (resolution.kind === 'none') {
        const { item: failed } = await this.repo.insertWorkItem(rt.db, {
          ...base,
          status: 'failed',
          endReason: 'no_active_queue',
          queueId: null,
          queueResolution: null,
          ended: true,
        });
        rt.itemEvent(failed, { event: 'created', type, priority: failed.priority });
        rt.itemEvent(failed, {
          event: 'failed',
          reason: 'no_active_queue',
          detail: `tenant ${tenantId} has no active queue`,
        });
        return 'failed';
      }

      // Insert and shared queue lock in one statement; the candidate search runs after the lock was
      // granted: an agent becoming available (exclusive lock) either committed before — we see it —
      // or runs after — it sees us.
      const { item, queue } = await this.repo.insertWorkItem(rt.db, {
        ...base,
        status: 'waiting',
        endReason: null,
        queueId: resolution.queue.id,
        queueResolution: resolution.level,
        ended: false,
        target: cmd.routing.agent_id
          ? {
              agentId: cmd.routing.agent_id,
              waitMs: cmd.routing.agent_wait_ms ?? this.config.ROUTER_TARGET_AGENT_WAIT_MS,
              strict: cmd.routing.agent_strict ?? false,
            }
          : null,
      });
      if (item.targetAgentId && !item.targetStrict && item.targetUntil) rt.wakeAt.push(item.targetUntil);
      rt.itemEvent(item, { event: 'created', type, priority: item.priority });
      rt.itemEvent(item, { event: 'queued' });
      if (!queue) throw new PermanentError(`queue ${resolution.queue.id} vanished`, 'error');
      return this.dispatcher.dispatchItem(rt, item, queue);
    });
  }

  /**
   * Answers a create that can never be processed (a {@link PermanentError} such as `tenant_mismatch`,
   * or retries exhausted — the command is about to be dead-lettered) with a work item `failed` event,
   * reason `error`, so the handoff fails at once instead of waiting for its timeout. No work item row
   * is written (the failure may be the row itself); the event names the command's work item, handoff
   * and conversation. Claims the command's event id in the inbox in the same transaction, so the
   * event is emitted exactly once across redeliveries and replicas.
   * @param detail why (the error message), carried in the event
   * @returns `failed`, or `duplicate` if the command was processed (or answered) already
   */
  failPermanently(
    tenantId: string,
    eventId: string,
    cmd: CreateCommand,
    detail: string,
  ): Promise<'failed' | 'duplicate'> {
    return this.txs.run(tenantId, eventId, async (rt) => {
      const claimed = await claimEventSql(rt.db, CONSUMER_NAME, eventId);
      if (!claimed) return 'duplicate';
      rt.itemEvent(
        { id: cmd.workItemId, handoffId: cmd.handoffId, conversationId: cmd.conversationId, queueId: null },
        { event: 'failed', reason: 'error', detail: detail.slice(0, 1000) },
      );
      return 'failed';
    });
  }
}
