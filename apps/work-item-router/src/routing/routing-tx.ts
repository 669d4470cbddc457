import { randomUUID } from 'node:crypto';
import {
  RealtimeChannels,
  newEnvelope,
  type AgentChannelMessage,
  type AgentWorkItemView,
  type Presence,
  type PresenceChangeReason,
  type TopicEvent,
  type WorkItemContext,
  type WorkItemEvent,
} from '@hub/contracts';
import { Outbox, type OutboxMessage, type SqlExecutor, type WorkItemModel } from '@hub/persistence';

export const ROUTER_SOURCE = 'work-item-router';

/** Distributes Omit over a union (keeps the discriminant of each member). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An item event without the fields taken from the work item (ids, conversation, queue). */
export type ItemEventBody = DistributiveOmit<
  Exclude<WorkItemEvent, { event: 'agent_presence_changed' }>,
  'workItemId' | 'handoffId' | 'conversationId' | 'queueId'
>;

/** The work item's context (WorkItemContextSchema) rebuilt from its columns. */
export function contextOf(item: WorkItemModel): WorkItemContext {
  return {
    channel: item.channel as WorkItemContext['channel'],
    transcript: item.transcript as WorkItemContext['transcript'],
    summary: item.summary,
    summarySource: item.summarySource as WorkItemContext['summarySource'],
    intent: item.intent,
    escalationReason: item.escalationReason,
    sentiment: item.sentiment,
    sentimentSource: item.sentimentSource as WorkItemContext['sentimentSource'],
    attributes: item.attributes as WorkItemContext['attributes'],
    contact: item.contact as WorkItemContext['contact'],
  };
}

/** What the agent channel carries for a work item (offer / assignment). */
export function agentView(item: WorkItemModel, queueName: string | null): AgentWorkItemView {
  return {
    workItemId: item.id,
    conversationId: item.conversationId,
    queueId: item.queueId,
    queueName,
    type: item.type as AgentWorkItemView['type'],
    status: item.status as AgentWorkItemView['status'],
    priority: item.priority,
    context: contextOf(item),
    createdAt: item.createdAt.toISOString(),
    assignedAt: item.assignedAt?.toISOString() ?? null,
  };
}

/**
 * One routing transaction: its node-postgres connection (inside BEGIN … COMMIT) plus the outbox messages its state
 * changes announce. Messages are validated when added (a contract violation aborts the
 * transaction) and written with {@link Outbox.enqueue} just before commit, so state and events
 * commit together.
 */
export class RoutingTx {
  readonly outbox: OutboxMessage[] = [];
  /** Offers created in this transaction (crash hook, expiry timers). */
  readonly offersCreated: { offerId: string; expiresAt: Date }[] = [];
  /** Other timer instants this transaction created (target fallbacks): the scheduler is woken for them. */
  readonly wakeAt: Date[] = [];

  constructor(
    /** The transaction's connection: every statement of the use case runs on it. */
    readonly db: SqlExecutor,
    readonly tenantId: string,
    /** Id of the command event or request that caused this transaction. */
    readonly causationId: string | undefined,
  ) {}

  /**
   * Adds a `hub.workitem.events.v1` event about a work item (the audit trail).
   * @throws ContractViolationError if the event does not match the topic schema
   */
  itemEvent(
    item: Pick<WorkItemModel, 'id' | 'handoffId' | 'conversationId' | 'queueId'>,
    body: ItemEventBody,
  ): void {
    const data = {
      ...body,
      workItemId: item.id,
      handoffId: item.handoffId,
      conversationId: item.conversationId,
      queueId: item.queueId,
    } as WorkItemEvent;
    this.outbox.push(Outbox.kafka('workItemEvents', this.envelope(item.conversationId, data)));
  }

  /**
   * Adds `agent_presence_changed` (keyed by `agent:<id>`).
   * @param reason set when the router changes the presence on its own (e.g. `missed_offers`); omitted
   *               when the agent / gateway / admin asked for the change
   */
  presenceEvent(agentId: string, presence: Presence, reason?: PresenceChangeReason): void {
    this.outbox.push(
      Outbox.kafka(
        'workItemEvents',
        this.envelope(`agent:${agentId}`, {
          event: 'agent_presence_changed',
          agentId,
          presence,
          ...(reason ? { reason } : {}),
        }),
      ),
    );
  }

  private envelope(correlationId: string, data: WorkItemEvent): TopicEvent<'workItemEvents'> {
    const env = newEnvelope({
      type: 'workitem.event' as const,
      version: 1,
      tenantId: this.tenantId,
      source: ROUTER_SOURCE,
      correlationId,
      causationId: this.causationId,
      data,
    });
    return { ...env, version: 1 };
  }

  /**
   * Adds a message for the agent's Redis channel (`hub:t:<tenant>:agent:<agent>`); its `eventId`
   * (fresh unless given) is also the outbox row id, so the gateway can drop relay duplicates.
   * @returns the message's eventId
   * @throws ZodError if the message does not match the channel schema
   */
  agentMessage(
    agentId: string,
    message: DistributiveOmit<AgentChannelMessage, 'eventId'>,
    eventId: string = randomUUID(),
  ): string {
    const valid = RealtimeChannels.agent.schema.parse({ ...message, eventId });
    this.outbox.push(
      Outbox.redis(this.tenantId, RealtimeChannels.agent.channel(this.tenantId, agentId), valid, eventId),
    );
    return eventId;
  }
}
