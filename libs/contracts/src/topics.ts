import type { z } from 'zod';
import { AssistSuggestionsTopicSchema } from './events/assist.schema';
import { CcaasCommandEventSchema } from './events/ccaas.schema';
import {
  ConversationEventEnvelopeSchema,
  ConversationMessageEventSchema,
} from './events/conversation.schema';
import { HandoffOutcomeEventSchema, HandoffRequestedEventSchema } from './events/handoff.schema';
import { WorkItemCommandEventSchema, WorkItemEventEnvelopeSchema } from './events/work-item.schema';

/**
 * One entry of the topic catalogue. A published topic is never edited: a breaking change is a new
 * topic with the next `.vN` suffix.
 */
export interface TopicDefinition<S extends z.ZodTypeAny = z.ZodTypeAny> {
  /** Kafka topic name, `hub.<domain>.<event>.v<N>`. */
  name: string;
  /** Envelope schema (validated on produce and on consume). */
  schema: S;
  /** Partition key: keeps one conversation (or interaction, or agent) in order. */
  key: (event: z.infer<S>) => string;
  /** Human-readable description (goes into the AsyncAPI document). */
  description: string;
  /** Who produces and who consumes it. */
  producers: string[];
  consumers: string[];
}

function topic<S extends z.ZodTypeAny>(def: TopicDefinition<S>): TopicDefinition<S> {
  return def;
}

/** The versioned topic catalogue. */
export const Topics = {
  handoffRequested: topic({
    name: 'hub.handoff.requested.v1',
    schema: HandoffRequestedEventSchema,
    key: (e) => e.data.conversationId,
    description: "A bot flow's Handoff node fired: route this conversation to a human.",
    producers: ['bot platforms', 'handoff-orchestrator (REST intake)'],
    consumers: ['handoff-orchestrator'],
  }),
  handoffOutcomes: topic({
    name: 'hub.handoff.outcomes.v1',
    schema: HandoffOutcomeEventSchema,
    key: (e) => e.data.conversationId,
    description:
      'Progress and final outcome of a handoff (accepted → success handle; failed → failure handle).',
    producers: ['handoff-orchestrator'],
    consumers: ['bot platforms'],
  }),
  workItemCommands: topic({
    name: 'hub.workitem.commands.v1',
    schema: WorkItemCommandEventSchema,
    key: (e) => (e.data.command === 'set_presence' ? `agent:${e.data.agentId}` : e.correlationId),
    description:
      'Commands to the work-item router: create, accept, decline, transfer, complete, withdraw, presence.',
    producers: ['handoff-orchestrator', 'agent-gateway'],
    consumers: ['work-item-router'],
  }),
  workItemEvents: topic({
    name: 'hub.workitem.events.v1',
    schema: WorkItemEventEnvelopeSchema,
    key: (e) => (e.data.event === 'agent_presence_changed' ? `agent:${e.data.agentId}` : e.correlationId),
    description: 'Every state change of work items and agents: the audit trail.',
    producers: ['work-item-router'],
    consumers: ['handoff-orchestrator', 'reporting'],
  }),
  conversationMessages: topic({
    name: 'hub.conversation.messages.v1',
    schema: ConversationMessageEventSchema,
    key: (e) => e.data.conversationId,
    description:
      'Live chat relay between customer (via the bot platform) and agent: text, typing, files, and the end of the conversation (`ended`). External contact centers are bridged by the handoff orchestrator.',
    producers: [
      'bot platforms (inbound)',
      'agent-gateway (outbound)',
      'handoff-orchestrator (outbound, from external contact centers)',
      'handoff-orchestrator (inbound system notes for agents and the transcript, e.g. "form address-change submitted")',
    ],
    consumers: ['agent-gateway', 'bot platforms', 'handoff-orchestrator (to external contact centers)'],
  }),
  ccaasCommands: topic({
    name: 'hub.ccaas.commands.v1',
    schema: CcaasCommandEventSchema,
    key: (e) => e.data.handoffId,
    description:
      'Start / end the external contact-center contact of a handoff (Amazon Connect, Genesys Cloud, 8x8): written with the handoff (outbox), executed by the bridge with retries.',
    producers: ['handoff-orchestrator'],
    consumers: ['handoff-orchestrator (contact-center bridge)'],
  }),
  conversationEvents: topic({
    name: 'hub.conversation.events.v1',
    schema: ConversationEventEnvelopeSchema,
    key: (e) => e.data.interactionId,
    description: 'Normalized live conversation events (utterances, lifecycle) from connectors and widgets.',
    producers: [
      'connector-audiohook',
      'connector-8x8',
      'connector-ccai',
      'suggestion-service (ingest)',
      'assist-gateway (widget chat forwarding)',
    ],
    consumers: ['suggestion-service'],
  }),
  assistSuggestions: topic({
    name: 'hub.assist.suggestions.v1',
    schema: AssistSuggestionsTopicSchema,
    key: (e) => e.data.interactionId,
    description:
      'Agent Assist suggestions for an interaction, with sources and confidence (`assist.suggestion`), preceded for a streamed LLM answer by its pieces (`assist.suggestion.delta`, best-effort; the complete suggestion replaces them).',
    producers: ['suggestion-service', 'connector-ccai (Dialogflow pass-through)'],
    consumers: ['assist-gateway'],
  }),
} as const;

export type TopicKey = keyof typeof Topics;
export type TopicEvent<K extends TopicKey> = z.infer<(typeof Topics)[K]['schema']>;
/** The `data` payload of a topic's events. */
export type TopicData<K extends TopicKey> = TopicEvent<K>['data'];

/** All topic definitions, in catalogue order. */
export const allTopics: TopicDefinition[] = Object.values(Topics) as TopicDefinition[];

/** Dead-letter topic name for a topic: `<topic>.dlq`. */
export function dlqTopicName(topicName: string): string {
  return `${topicName}.dlq`;
}

/** Looks up a topic definition by its Kafka name (without namespace prefix). */
export function topicByName(name: string): TopicDefinition | undefined {
  return allTopics.find((t) => t.name === name);
}
