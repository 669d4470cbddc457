/**
 * `bash tools/demo/next-handoff.sh [--queue Hotels]`: sends one more real conversation as a handoff
 * to the running demo, waits until an agent accepts it (the human in the Agent Desktop, agent "you"),
 * then plays the customer's side: each customer turn is relayed (Kafka inbound) after the agent's
 * previous reply arrived.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { HubProducer, TopicNamer } from '@hub/messaging';
import { loadScripts } from './lib/conversations';
import { requestHandoff, tenantJson } from './lib/hub-client';
import { loadHubEnv } from './lib/hub-env';
import { sleep } from './lib/sim-agent';

const TENANT = 'demo';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { queue: { type: 'string' } } });
  const env = loadHubEnv();
  const scripts = loadScripts(6).filter((s) => !values.queue || s.queue === values.queue);
  if (!scripts.length) throw new Error(`no conversation routed to queue ${values.queue}`);
  const script = scripts[Math.floor(Math.random() * scripts.length)];
  const integrations = (
    await tenantJson<{ id: string; name: string }[]>(
      env.ORCHESTRATOR_URL,
      'GET',
      '/v1/integrations?type=internal',
      TENANT,
    )
  ).body;
  const integrationId = integrations.find((i) => i.name === 'Agent Desktop')?.id;
  if (!integrationId) throw new Error('run `npm run demo` first (no demo integration)');
  const conversationId = `${script.key}-live-${Date.now().toString(36)}`;
  const h = await requestHandoff(env, TENANT, {
    integrationId,
    botSessionId: `bot-${conversationId}`,
    conversationId,
    channel: 'web',
    routing: { queue: script.queue },
    transcript: script.transcript,
    ...(script.intent ? { intent: script.intent } : {}),
    escalationReason: 'customer asked for a human',
    attributes: script.attributes,
    contact: script.contact,
    timeoutSeconds: 600,
  });
  console.log(`handoff ${h.id}: conversation ${conversationId} (${script.source}) → queue ${script.queue}`);
  console.log('waiting for an agent to accept it in the Agent Desktop …');
  let handoff: { status: string; workItemId?: string; agentId?: string; reason?: string } = {
    status: 'requested',
  };
  for (;;) {
    handoff = (await tenantJson<typeof handoff>(env.ORCHESTRATOR_URL, 'GET', `/v1/handoffs/${h.id}`, TENANT))
      .body;
    if (handoff.status === 'accepted' || handoff.status === 'failed') break;
    await sleep(500);
  }
  if (handoff.status === 'failed') throw new Error(`handoff failed: ${handoff.reason}`);
  console.log(`accepted by ${handoff.agentId}; the customer now writes (answer in the desktop)`);

  const kafka = new Kafka({
    clientId: 'demo-bot-platform',
    brokers: env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = new HubProducer(kafka, new TopicNamer(env.KAFKA_TOPIC_NAMESPACE));
  await producer.connect();
  const token = readFileSync('var/demo/agent-token.txt', 'utf8').trim();
  const agentReplies = async () => {
    const r = await fetch(`${env.GATEWAY_URL}/v1/agent/work-items/${handoff.workItemId}/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!r.ok) return 0;
    const { timeline } = (await r.json()) as {
      timeline: { source: string; message?: { direction: string } }[];
    };
    return timeline.filter((e) => e.message?.direction === 'outbound').length;
  };
  let replies = await agentReplies();
  for (const turn of script.live.filter((t) => t.speaker === 'customer')) {
    const event: TopicEvent<'conversationMessages'> = {
      ...newEnvelope({
        type: 'conversation.message',
        version: 1,
        tenantId: TENANT,
        source: 'demo-bot-platform',
        correlationId: conversationId,
        data: {
          conversationId,
          messageId: randomUUID(),
          direction: 'inbound',
          sender: { role: 'customer', ...(script.contact.name ? { name: script.contact.name } : {}) },
          kind: 'text',
          text: turn.text,
          sentAt: new Date().toISOString(),
        },
      }),
      version: 1,
    };
    await producer.publish('conversationMessages', event);
    console.log(`customer: ${turn.text}`);
    while ((await agentReplies()) <= replies) await sleep(1000);
    replies = await agentReplies();
  }
  console.log('the customer has nothing more to say; wrap up in the desktop.');
  await producer.disconnect();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
