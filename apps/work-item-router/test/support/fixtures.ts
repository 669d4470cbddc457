import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Channel, WorkItemContext } from '@hub/contracts';

interface AbcdConversation {
  convo_id: number;
  scenario: {
    personal: { customer_name: string; email: string; phone: string; member_level: string };
    order?: { order_id?: string };
    flow: string;
    subflow: string;
  };
  original: [string, string][];
}

const conversations: AbcdConversation[] = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'abcd-conversations-sample.json'), 'utf8'),
);

/**
 * A work-item context built from a real ABCD conversation (see test/fixtures/README.md):
 * customer turns → `user`, agent turns → `bot`, action lines → `system`.
 * @param n       which conversation (cycled)
 * @param channel originating channel
 */
export function abcdContext(n: number, channel: Channel = 'web'): WorkItemContext {
  const c = conversations[n % conversations.length];
  const start = Date.UTC(2026, 10, 1, 9, 0, 0);
  return {
    channel,
    transcript: c.original.map(([speaker, text], i) => ({
      role: speaker === 'customer' ? 'user' : speaker === 'agent' ? 'bot' : 'system',
      text,
      timestamp: new Date(start + i * 7000).toISOString(),
    })),
    summary: `Customer ${c.scenario.personal.customer_name}: ${c.scenario.flow.replace(/_/g, ' ')} (${c.scenario.subflow.replace(/_/g, ' ')})`,
    summarySource: 'library',
    intent: c.scenario.flow,
    escalationReason: 'customer asked for a human',
    sentiment: -0.25,
    sentimentSource: 'library',
    attributes: {
      member_level: c.scenario.personal.member_level,
      order_id: c.scenario.order?.order_id ?? null,
      abcd_convo_id: c.convo_id,
    },
    contact: {
      name: c.scenario.personal.customer_name,
      email: c.scenario.personal.email,
      phone: c.scenario.personal.phone,
    },
  };
}
