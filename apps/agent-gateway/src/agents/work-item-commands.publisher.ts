import { Inject, Injectable } from '@nestjs/common';
import { newEnvelope, type Presence, type TopicEvent, type WorkItemCommand } from '@hub/contracts';
import { MessagingService } from '@hub/messaging';
import type { AgentAddress } from '../domain/agent-channel';
import { BatchingPublisher } from './batching-publisher';

export const GATEWAY_SOURCE = 'agent-gateway';

/**
 * Publishes the agent's decisions to the work-item router (`hub.workitem.commands.v1`). The tenant
 * and agent come from the verified token only. Commands are validated against the topic schema
 * before sending and acknowledged by all in-sync replicas (acks=-1) before this resolves; they are
 * not gateway state, so they go straight to Kafka (the router is idempotent on the envelope id).
 * Concurrent commands share produce requests ({@link BatchingPublisher}).
 */
@Injectable()
export class WorkItemCommandsPublisher {
  private readonly batcher: BatchingPublisher<'workItemCommands'>;

  constructor(@Inject(MessagingService) messaging: MessagingService) {
    this.batcher = new BatchingPublisher(messaging.producer, 'workItemCommands');
  }

  /**
   * @param correlationId the work item's conversation id (partition key: one conversation stays in order)
   * @returns the command's envelope id
   * @throws ContractViolationError if the command is malformed (a bug, not client input)
   */
  async send(principal: AgentAddress, correlationId: string, command: WorkItemCommand): Promise<string> {
    const env: TopicEvent<'workItemCommands'> = {
      ...newEnvelope({
        type: 'workitem.command',
        version: 1,
        tenantId: principal.tenantId,
        source: GATEWAY_SOURCE,
        correlationId,
        data: command,
      }),
      version: 1,
    };
    await this.batcher.publish(env);
    return env.id;
  }

  /** Publishes `set_presence` for the agent (partition key `agent:<id>`: one agent's changes stay in order). */
  setPresence(agent: AgentAddress, presence: Presence): Promise<string> {
    return this.send(agent, `agent:${agent.agentId}`, {
      command: 'set_presence',
      agentId: agent.agentId,
      presence,
    });
  }
}
