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
import { RoutingRepository, type NewWorkItem } from '../routing.repository';
import { RoutingTransactions } from '../routing-transactions';
import type { RoutingTx } from '../routing-tx';
import type { QueueModel, WorkItemModel } from '@hub/persistence';
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
  async execute(tenantId: string, eventId: string, cmd: CreateCommand): Promise<CreateResult> {
    const [result] = await this.executeBatch(tenantId, [{ eventId, cmd }]);
    return result;
  }

  /**
   * A batch of `create` commands of one tenant (consecutive on one partition) in **one transaction**,
   * with multi-row statements: the inbox claims, existence probes and the tenant's queues in one
   * statement, every new item inserted (and the waiting items' queues locked `FOR SHARE`) in one, the
   * queues' online agents read in one, the matched agents' slots taken in one and the offers inserted in
   * one ({@link Dispatcher.dispatchNewItems}); targeted items are dispatched one by one
   * ({@link Dispatcher.dispatchItem}). Same outcomes, events and guarantees as running {@link execute} for
   * each command in order: a repeated event id is a `duplicate`, a repeated work item id `exists`; the events of each
   * command carry its id as causationId.
   * @param cmds the commands in partition order
   * @returns the outcome per command, same order
   * @throws PermanentError(tenant_mismatch) if a work item id belongs to another tenant — nothing of the
   *         batch is committed (the consumer then handles the commands one at a time)
   */
  executeBatch(tenantId: string, cmds: { eventId: string; cmd: CreateCommand }[]): Promise<CreateResult[]> {
    return this.txs.runBatch(tenantId, async (db, txFor) => {
      const first = await this.repo.claimAndLoadForCreateBatch(db, {
        consumer: CONSUMER_NAME,
        eventIds: cmds.map((c) => c.eventId),
        workItemIds: cmds.map((c) => c.cmd.workItemId),
        tenantId,
      });
      const results: (CreateResult | undefined)[] = cmds.map(() => undefined);
      const claimed = new Set<string>();
      const seenItems = new Set<string>();
      const rows: (NewWorkItem & { ended: boolean })[] = [];
      const plan: { index: number; rt: RoutingTx; type: string; none: boolean }[] = [];
      cmds.forEach(({ eventId, cmd }, index) => {
        if (!first.claimed.has(eventId) || claimed.has(eventId)) return void (results[index] = 'duplicate');
        claimed.add(eventId);
        const owner = first.owners[index];
        if (owner !== null && owner !== tenantId)
          throw new PermanentError(
            `work item ${cmd.workItemId} belongs to another tenant`,
            'tenant_mismatch',
          );
        if (owner !== null || seenItems.has(cmd.workItemId)) return void (results[index] = 'exists');
        seenItems.add(cmd.workItemId);
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
        const base = this.baseColumns(tenantId, cmd, type);
        if (resolution.kind === 'none')
          rows.push({
            ...base,
            status: 'failed',
            endReason: 'no_active_queue',
            queueId: null,
            queueResolution: null,
            ended: true,
          });
        else
          rows.push({
            ...base,
            status: 'waiting',
            endReason: null,
            queueId: resolution.queue.id,
            queueResolution: resolution.level,
            ended: false,
            target: this.targetOf(cmd),
          });
        plan.push({ index, rt: txFor(eventId), type, none: resolution.kind === 'none' });
      });
      if (!rows.length) return results as CreateResult[];
      const { items, queues } = await this.repo.insertWorkItems(db, tenantId, rows);
      const batch: { rt: RoutingTx; item: WorkItemModel; queue: QueueModel; index: number }[] = [];
      for (const p of plan) {
        const cmd = cmds[p.index].cmd;
        const item = items.get(cmd.workItemId);
        if (!item) throw new Error(`work item ${cmd.workItemId} was not stored`);
        p.rt.itemEvent(item, {
          event: 'created',
          type: p.type as CreateCommand['type'],
          priority: item.priority,
        });
        if (p.none) {
          p.rt.itemEvent(item, {
            event: 'failed',
            reason: 'no_active_queue',
            detail: `tenant ${tenantId} has no active queue`,
          });
          results[p.index] = 'failed';
          continue;
        }
        if (item.targetAgentId && !item.targetStrict && item.targetUntil) p.rt.wakeAt.push(item.targetUntil);
        p.rt.itemEvent(item, { event: 'queued' });
        const queue = item.queueId ? queues.get(item.queueId) : undefined;
        if (!queue) throw new PermanentError(`queue ${item.queueId} vanished`, 'error');
        if (item.targetAgentId) results[p.index] = await this.dispatcher.dispatchItem(p.rt, item, queue);
        else batch.push({ rt: p.rt, item, queue, index: p.index });
      }
      const outcomes = await this.dispatcher.dispatchNewItems(batch);
      for (const b of batch) results[b.index] = outcomes.get(b.item.id);
      return results as CreateResult[];
    });
  }

  /** A create command's columns shared by every outcome. */
  private baseColumns(tenantId: string, cmd: CreateCommand, type: string) {
    return {
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
  }

  /** The command's target agent (targeted routing), or null. */
  private targetOf(cmd: CreateCommand) {
    return cmd.routing.agent_id
      ? {
          agentId: cmd.routing.agent_id,
          waitMs: cmd.routing.agent_wait_ms ?? this.config.ROUTER_TARGET_AGENT_WAIT_MS,
          strict: cmd.routing.agent_strict ?? false,
        }
      : null;
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
