import { z } from 'zod';
import { ConversationMessageSchema } from '@hub/contracts';

/**
 * The gateway's own Redis fan-out of live chat to agents (`hub:gw:t:<tenant>:agent:<agent>`): whichever
 * gateway replica consumes a customer message from Kafka (or accepts an agent's message) publishes it
 * here, and every replica delivers it to the agent's sockets it holds. Internal to agent-gateway
 * replicas; the record is the `conversation_messages` table.
 */
export const ChatFanoutMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), message: ConversationMessageSchema }),
  z.object({
    kind: z.literal('typing'),
    conversationId: z.string(),
    workItemId: z.uuid().nullable(),
    role: z.enum(['customer', 'agent', 'bot', 'system']),
    typing: z.boolean(),
  }),
]);
export type ChatFanoutMessage = z.infer<typeof ChatFanoutMessageSchema>;

export const ChatChannels = {
  agent: {
    channel: (tenantId: string, agentId: string) => `hub:gw:t:${tenantId}:agent:${agentId}`,
    pattern: 'hub:gw:t:*',
    schema: ChatFanoutMessageSchema,
  },
};
