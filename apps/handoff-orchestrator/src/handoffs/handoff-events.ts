import { randomUUID } from 'node:crypto';
import {
  newEnvelope,
  type HandoffFailureReason,
  type HandoffStatus,
  type TopicEvent,
  type WorkItemCommand,
} from '@hub/contracts';
import { Outbox, type OutboxMessage, type HandoffModel as Handoff } from '@hub/persistence';

/** `source` of every envelope this service writes. */
export const SERVICE = 'handoff-orchestrator';

/** Trace/causation carried from the request or event that caused a change. */
export interface Cause {
  causationId?: string;
  traceparent?: string;
  tracestate?: string;
}

/** The outcome envelope for `hub.handoff.outcomes.v1` (and the callback body). */
export function outcomeEvent(
  h: Pick<
    Handoff,
    | 'id'
    | 'tenantId'
    | 'integrationId'
    | 'botSessionId'
    | 'conversationId'
    | 'workItemId'
    | 'queueId'
    | 'agentId'
  >,
  status: HandoffStatus,
  cause: Cause,
  failure?: { reason: HandoffFailureReason; detail?: string | null },
): TopicEvent<'handoffOutcomes'> {
  return newEnvelope({
    type: 'handoff.outcome' as const,
    version: 1 as const,
    tenantId: h.tenantId,
    source: SERVICE,
    correlationId: h.conversationId,
    ...cause,
    data: {
      handoffId: h.id,
      integrationId: h.integrationId,
      botSessionId: h.botSessionId,
      conversationId: h.conversationId,
      status,
      ...(failure ? { reason: failure.reason } : {}),
      ...(failure?.detail ? { detail: failure.detail } : {}),
      ...(status !== 'failed' || h.queueId ? { workItemId: h.workItemId } : {}),
      ...(h.queueId ? { queueId: h.queueId } : {}),
      ...(h.agentId ? { agentId: h.agentId } : {}),
    },
  }) as TopicEvent<'handoffOutcomes'>;
}

/** A work item command envelope (`hub.workitem.commands.v1`), keyed by the conversation. */
export function workItemCommand(
  tenantId: string,
  conversationId: string,
  data: WorkItemCommand,
  cause: Cause,
): OutboxMessage {
  return Outbox.kafka(
    'workItemCommands',
    newEnvelope({
      id: randomUUID(),
      type: 'workitem.command' as const,
      version: 1 as const,
      tenantId,
      source: SERVICE,
      correlationId: conversationId,
      ...cause,
      data,
    }) as TopicEvent<'workItemCommands'>,
  );
}
