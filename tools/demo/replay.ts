/**
 * The demo's main act (run by `npm run demo` after the services are up): seeds a tenant with several
 * queues and agents, connects simulated agents over Socket.IO, replays real conversations as bot
 * handoffs (each routed by its flow variable `selected_queue`), plays the live part of each
 * conversation between the customer (bot platform → Kafka inbound) and the agent (Socket.IO →
 * Kafka outbound), then prints a summary and leaves the Agent Desktop ready for a human.
 *
 * Env: see lib/hub-env.ts (written by tools/demo/demo.sh). Output: summary on stdout and
 * var/demo/summary.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { newEnvelope, type ConversationMessage, type TopicEvent } from '@hub/contracts';
import { HubProducer, TopicNamer } from '@hub/messaging';
import { loadBotSessions, loadScripts, type ConversationScript } from './lib/conversations';
import {
  createDemoApiKey,
  mintToken,
  requestHandoff,
  seedTenant,
  tenantJson,
  type AgentSpec,
} from './lib/hub-client';
import { loadHubEnv } from './lib/hub-env';
import { SimAgent, between, routerPresence, sleep, type Behaviour } from './lib/sim-agent';
import { LatencyRecorder, fmt } from './lib/stats';
import { AssignmentLedger } from './lib/assignment-ledger';

const TENANT = 'demo';
const QUEUES = ['Returns', 'Store', 'Hotels', 'Restaurants'];
const HANDOFF_INTERVAL_MS = Number(process.env['DEMO_INTERVAL_MS'] ?? 700);
const HANDOFF_TIMEOUT_S = Number(process.env['DEMO_HANDOFF_TIMEOUT_S'] ?? 60);
const DEADLINE_MS = Number(process.env['DEMO_DEADLINE_MS'] ?? 150_000);

const SIM_AGENTS: (AgentSpec & { behaviour: Behaviour })[] = [
  {
    id: 'ava',
    displayName: 'Ava (auto-accept)',
    queues: ['Returns', 'Store'],
    autoAccept: true,
    capacityChat: 3,
    behaviour: 'auto',
  },
  {
    id: 'ben',
    displayName: 'Ben (quick)',
    queues: ['Hotels', 'Restaurants'],
    capacityChat: 2,
    behaviour: 'quick',
  },
  {
    id: 'cleo',
    displayName: 'Cleo (takes her time)',
    queues: ['Hotels', 'Returns'],
    capacityChat: 2,
    behaviour: 'human',
  },
  {
    id: 'dan',
    displayName: 'Dan (declines)',
    queues: ['Hotels', 'Restaurants'],
    capacityChat: 2,
    behaviour: 'decliner',
  },
  {
    id: 'eve',
    displayName: 'Eve (transfers)',
    queues: ['Restaurants', 'Hotels'],
    capacityChat: 2,
    behaviour: 'transferrer',
  },
  {
    id: 'finn',
    displayName: 'Finn (quick)',
    queues: ['Hotels', 'Restaurants', 'Store'],
    capacityChat: 2,
    behaviour: 'quick',
  },
];
/** How the replayed customers ask for a person at the end of their bot conversation. */
const ASKS_FOR_A_HUMAN = [
  'Can I talk to a real person, please?',
  "I'd like to speak to an agent.",
  'Please connect me with someone from your team.',
  'Is there a human I can chat with?',
  'Let me talk to a representative.',
];
const HUMAN = { id: 'you', displayName: 'You (Agent Desktop)', queues: QUEUES, capacityChat: 2 };

interface Track {
  script: ConversationScript;
  conversationId: string;
  handoffId?: string;
  sentAt: number;
  offeredAt?: number;
  assignedAt?: number;
  workItemId?: string;
  transferred: boolean;
  done: boolean;
  error?: string;
}

async function main(): Promise<void> {
  const env = loadHubEnv();
  const runId = Date.now().toString(36);
  const log = (s: string) => process.stdout.write(`${s}\n`);

  log('▶ seeding tenant "demo": queues, agents (router admin API), internal integration (orchestrator)');
  const { queues, integrationId } = await seedTenant(env, TENANT, {
    name: 'Demo Retail & Travel',
    queues: QUEUES,
    offerTimeoutSeconds: 15,
    agents: [...SIM_AGENTS, HUMAN],
  });
  const apiKey = await createDemoApiKey(env, TENANT, `demo bot ${runId}`);
  log(`▶ credentials (docs/security.md): platform admin HUB_PLATFORM_ADMIN_KEY in var/<run>/env.sh;`);
  log(`  tenant "${TENANT}" API key for bot platforms (shown once): ${apiKey.key}`);
  log(`  e.g. curl -H "Authorization: Bearer ${apiKey.key}" ${env.ROUTER_URL}/v1/queues`);

  const scripts = loadScripts();
  const tracks = new Map<string, Track>(); // by conversationId
  const timeToOffer = new LatencyRecorder();
  const timeToPickup = new LatencyRecorder();
  const inboundRelay = new LatencyRecorder();
  const outboundAck = new LatencyRecorder();
  const pendingInbound = new Map<string, { at: number; resolve: () => void }>();
  const ledger = new AssignmentLedger();
  let transfers = 0;
  let messagesIn = 0;
  let messagesOut = 0;

  const kafka = new Kafka({
    clientId: 'demo-bot-platform',
    brokers: env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const botPlatform = new HubProducer(kafka, new TopicNamer(env.KAFKA_TOPIC_NAMESPACE));
  await botPlatform.connect();

  /** The bot platform relays a customer's message to the hub (inbound) and we wait for the agent to see it. */
  async function customerSays(t: Track, text: string): Promise<void> {
    const data: ConversationMessage = {
      conversationId: t.conversationId,
      messageId: randomUUID(),
      direction: 'inbound',
      sender: { role: 'customer', ...(t.script.contact.name ? { name: t.script.contact.name } : {}) },
      kind: 'text',
      text,
      sentAt: new Date().toISOString(),
    };
    const env1: TopicEvent<'conversationMessages'> = {
      ...newEnvelope({
        type: 'conversation.message',
        version: 1,
        tenantId: TENANT,
        source: 'demo-bot-platform',
        correlationId: t.conversationId,
        data,
      }),
      version: 1,
    };
    const seen = new Promise<void>((resolve) =>
      pendingInbound.set(data.messageId, { at: performance.now(), resolve }),
    );
    await botPlatform.publish('conversationMessages', env1);
    messagesIn += 1;
    await Promise.race([seen, sleep(10_000)]);
  }

  /** The live part of a conversation once an agent has it: customer and agent turns, then wrap-up. */
  async function converse(agent: SimAgent, t: Track, workItemId: string): Promise<void> {
    for (const turn of t.script.live) {
      if (turn.speaker === 'customer') {
        await sleep(between([300, 900]));
        await customerSays(t, turn.text);
      } else {
        await agent.typing(workItemId, true);
        await sleep(between([400, 1000]));
        const t0 = performance.now();
        const ack = await agent.send(workItemId, turn.text);
        if (ack.ok) {
          outboundAck.record(performance.now() - t0);
          messagesOut += 1;
        }
      }
    }
    await sleep(between([300, 800]));
    await agent.complete(
      workItemId,
      `Demo wrap-up: ${t.script.intent ?? t.script.queue} handled by ${agent.id}.`,
    );
    t.done = true;
  }

  function shouldTransfer(agent: SimAgent, t: Track): string | null {
    if (agent.behaviour !== 'transferrer' || t.transferred) return null;
    const text = [...t.script.transcript.map((e) => e.text), ...t.script.live.map((l) => l.text)]
      .join(' ')
      .toLowerCase();
    if (t.script.queue === 'Restaurants' && /\bhotel|guesthouse|room\b/.test(text)) return 'Hotels';
    if (t.script.queue === 'Hotels' && /\brestaurant|food|dinner|lunch\b/.test(text)) return 'Restaurants';
    // the transferring agent always shows at least one transfer: the first item she gets moves on
    if (!firstTransferDone) return t.script.queue === 'Hotels' ? 'Restaurants' : 'Hotels';
    return null;
  }
  let firstTransferDone = false;

  const agents: SimAgent[] = [];
  for (const spec of SIM_AGENTS) {
    const token = await mintToken(env.AGENT_JWT_SECRET, TENANT, spec.id, spec.displayName);
    const agent = new SimAgent(env.GATEWAY_URL, TENANT, spec.id, token, spec.behaviour, {
      onOffer: (_a, m, at) => {
        const t = tracks.get(m.workItem.conversationId);
        if (t && t.offeredAt === undefined) {
          t.offeredAt = at;
          timeToOffer.record(at - t.sentAt);
        }
      },
      onAssigned: (a, m, at) => {
        const t = tracks.get(m.workItem.conversationId);
        ledger.assigned(m.workItem.workItemId, a.id);
        if (!t) return;
        t.workItemId = m.workItem.workItemId;
        if (t.assignedAt === undefined) {
          t.assignedAt = at;
          timeToPickup.record(at - t.sentAt);
        }
        const target = shouldTransfer(a, t);
        if (target) {
          t.transferred = true;
          firstTransferDone = true;
          void sleep(between([500, 1200])).then(async () => {
            const status = await a.transfer(
              m.workItem.workItemId,
              queues.get(target)!,
              `customer asks about ${target.toLowerCase()}`,
            );
            if (status === 202) transfers += 1;
          });
          return;
        }
        void converse(a, t, m.workItem.workItemId).catch((e: Error) => (t.error = e.message));
      },
      onUnassigned: (a, workItemId) => ledger.unassigned(workItemId, a.id),
      onChat: (_a, m, at) => {
        const p = pendingInbound.get(m.messageId);
        if (p && m.direction === 'inbound') {
          inboundRelay.record(at - p.at);
          pendingInbound.delete(m.messageId);
          p.resolve();
        }
      },
    });
    await agent.connect();
    await agent.setPresence('online');
    agents.push(agent);
  }
  for (const a of agents) {
    for (let i = 0; i < 100 && (await routerPresence(env.ROUTER_URL, TENANT, a.id)) !== 'online'; i++)
      await sleep(100);
  }
  log(
    `▶ ${agents.length} simulated agents online: ${SIM_AGENTS.map((a) => `${a.id} (${a.behaviour}; ${a.queues.join(', ')})`).join('; ')}`,
  );

  log(
    `▶ replaying ${scripts.length} real conversations (3 ABCD retail, ${scripts.length - 3} DSTC11 hotel/restaurant), one handoff every ${HANDOFF_INTERVAL_MS} ms`,
  );
  const started = Date.now();
  const decisions = { escalated: 0, notEscalated: 0, failed: 0, lastError: '' };
  /** The bot asks the escalation policy first (seed 003): reasons, detected intent and paths go into the report. */
  const decide = (conversationId: string, script: ConversationScript) =>
    tenantJson<{ decisionId: string; escalate: boolean; reasons: { signal: string }[] }>(
      env.ORCHESTRATOR_URL,
      'POST',
      '/v1/escalation/decisions',
      TENANT,
      {
        conversationId,
        botSessionId: `bot-${conversationId}`,
        channel: 'web',
        // the live path's availability is the queue the Handoff node routes to
        ...(queues.get(script.queue) ? { queueId: queues.get(script.queue) } : {}),
        transcript: script.transcript,
        ...(script.intent ? { intent: script.intent } : {}),
        attributes: script.attributes,
        contact: script.contact,
      },
      [200, 201],
    ).then(
      (r) => {
        if (r.body.escalate) decisions.escalated += 1;
        else decisions.notEscalated += 1;
        return r.body;
      },
      (e: Error) => {
        // the replay goes on without the decision (the handoff is what it demonstrates); counted and shown
        decisions.failed += 1;
        decisions.lastError = e.message;
        return null;
      },
    );
  /** Hands a conversation to a human like a bot's transfer_to_human (following the decision, when there is one). */
  const handOff = (
    script: ConversationScript,
    conversationId: string,
    decisionId: string | null,
    reason: string,
  ) => {
    const t: Track = { script, conversationId, sentAt: performance.now(), transferred: false, done: false };
    tracks.set(conversationId, t);
    requestHandoff(env, TENANT, {
      ...(decisionId ? { decisionId } : {}),
      integrationId,
      botSessionId: `bot-${conversationId}`,
      conversationId,
      channel: 'web',
      routing: { queue: script.queue },
      transcript: script.transcript,
      ...(script.intent ? { intent: script.intent } : {}),
      escalationReason: reason,
      attributes: script.attributes,
      contact: script.contact,
      timeoutSeconds: HANDOFF_TIMEOUT_S,
      idempotencyKey: conversationId,
    }).then(
      (r) => (t.handoffId = r.id),
      (e: Error) => (t.error = e.message),
    );
  };

  // Meanwhile the bot serves other customers itself: each conversation is put to the policy; the bot answers
  // where it sees no reason to step aside and hands off the rest with the policy's reasons.
  const botSessions = loadBotSessions();
  const selfService = { answeredByBot: 0, handedOff: 0 };
  const botDone = (async () => {
    for (const script of botSessions) {
      const conversationId = `${script.key}-${runId}`;
      const decision = await decide(conversationId, script);
      if (decision?.escalate) {
        selfService.handedOff += 1;
        handOff(
          script,
          conversationId,
          decision.decisionId,
          `escalation policy: ${decision.reasons.map((r) => r.signal).join(', ') || 'escalate'}`,
        );
      } else selfService.answeredByBot += 1;
      await sleep(HANDOFF_INTERVAL_MS / 3);
    }
  })();

  for (const [i, replayed] of scripts.entries()) {
    const conversationId = `${replayed.key}-${runId}`;
    // these customers end their bot conversation by asking for a person (the policy's "asks for a human" signal)
    const script: ConversationScript = {
      ...replayed,
      transcript: [
        ...replayed.transcript,
        {
          role: 'user',
          text: ASKS_FOR_A_HUMAN[i % ASKS_FOR_A_HUMAN.length]!,
          timestamp: new Date().toISOString(),
        },
      ],
    };
    const decision = await decide(conversationId, script);
    handOff(script, conversationId, decision?.decisionId ?? null, 'customer asked for a human');
    await sleep(HANDOFF_INTERVAL_MS);
  }
  await botDone;
  // the bot reports its conversation totals: the denominator of the report's handoff rate
  const botConversations = scripts.length + botSessions.length;
  await tenantJson(env.ORCHESTRATOR_URL, 'POST', '/v1/escalation/conversation-totals', TENANT, {
    // one source per run: a day reported again replaces that source's count, and the demo database keeps earlier runs
    source: `demo-bot-${runId}`,
    days: [{ day: new Date().toISOString().slice(0, 10), conversations: botConversations }],
  });

  log(
    `▶ escalation decisions: ${decisions.escalated} escalate, ${decisions.notEscalated} do not` +
      `${decisions.failed ? `, ${decisions.failed} failed: ${decisions.lastError}` : ''}; the bot answered ` +
      `${selfService.answeredByBot} of its ${botSessions.length} other conversations itself and handed off ` +
      `${selfService.handedOff}; ${scripts.length} customers asked for a human; ${botConversations} bot conversations reported`,
  );

  // Wait until every handoff is final (accepted and wrapped up, or failed) or the deadline passes.
  const outcomes = new Map<string, { status: string; reason: string | null }>();
  while (Date.now() - started < DEADLINE_MS) {
    for (const t of tracks.values()) {
      if (!t.handoffId || outcomes.has(t.conversationId)) continue;
      const h = (
        await tenantJson<{ status: string; reason: string | null }>(
          env.ORCHESTRATOR_URL,
          'GET',
          `/v1/handoffs/${t.handoffId}`,
          TENANT,
        )
      ).body;
      if (h.status === 'failed' || (h.status === 'accepted' && t.done)) outcomes.set(t.conversationId, h);
    }
    const pending = [...tracks.values()].filter((t) => !outcomes.has(t.conversationId) && !t.error);
    if (!pending.length) break;
    await sleep(1000);
  }

  const failedByReason: Record<string, number> = {};
  let accepted = 0;
  for (const t of tracks.values()) {
    const o = outcomes.get(t.conversationId);
    if (o?.status === 'accepted') accepted += 1;
    else if (o?.status === 'failed')
      failedByReason[o.reason ?? 'unknown'] = (failedByReason[o.reason ?? 'unknown'] ?? 0) + 1;
    else
      failedByReason[t.error ? 'request_error' : 'still_open_at_deadline'] =
        (failedByReason[t.error ? 'request_error' : 'still_open_at_deadline'] ?? 0) + 1;
  }
  const summary = {
    runId,
    tenant: TENANT,
    handoffs: tracks.size,
    escalationDecisions: decisions,
    botConversations,
    selfService,
    accepted,
    failedByReason,
    timeToOfferMs: timeToOffer.summary(),
    timeToPickupMs: timeToPickup.summary(),
    transfers,
    declines: agents.reduce((n, a) => n + a.declines, 0),
    liveMessages: { customerToAgent: messagesIn, agentToCustomer: messagesOut },
    chatRelayCustomerToAgentMs: inboundRelay.summary(),
    agentSendAckMs: outboundAck.summary(),
    doubleAssignments: ledger.doubleAssignments,
    wallClockSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
  mkdirSync(join('var', 'demo'), { recursive: true });
  writeFileSync(join('var', 'demo', 'summary.json'), JSON.stringify(summary, null, 2));

  log('');
  log('══════════════════════ demo summary ══════════════════════');
  log(
    `handoffs                 ${summary.handoffs} of ${botConversations} bot conversations (handoff rate ${((100 * summary.handoffs) / botConversations).toFixed(1)} %)`,
  );
  log(`accepted                 ${summary.accepted}`);
  log(
    `failed by reason         ${Object.keys(failedByReason).length ? JSON.stringify(failedByReason) : 'none'}`,
  );
  log(`time to offer  p50/p95/p99  ${fmt(summary.timeToOfferMs)}   (auto-accepted items skip the offer)`);
  log(`time to pickup p50/p95/p99  ${fmt(summary.timeToPickupMs)}`);
  log(`transfers                ${transfers}`);
  log(`declines                 ${summary.declines}`);
  log(`double assignments       ${summary.doubleAssignments}`);
  log(`live messages            customer→agent ${messagesIn}, agent→customer ${messagesOut}`);
  log(`chat relay customer→agent p50/p95/p99  ${fmt(summary.chatRelayCustomerToAgentMs)}`);
  log(`wall clock               ${summary.wallClockSeconds} s`);
  log('═══════════════════════════════════════════════════════════');

  // Hand over to a human: simulated agents sign off, the desktop stays up.
  await Promise.all(agents.map((a) => a.close()));
  await botPlatform.disconnect();
  const token = await mintToken(env.AGENT_JWT_SECRET, TENANT, HUMAN.id, 'You');
  writeFileSync(join('var', 'demo', 'agent-token.txt'), `${token}\n`);
  log('');
  log(`Agent Desktop:  ${env.GATEWAY_URL}/desktop/#token=${token}`);
  log(`Agent token (tenant "${TENANT}", agent "${HUMAN.id}"; also in var/demo/agent-token.txt):`);
  log(token);
  log('Sign in, set presence to Online, then send the next handoff with:  bash tools/demo/next-handoff.sh');
  log('Stop everything with:  npm run demo:stop');
  process.exit(0);
}

main().catch((e: Error) => {
  process.stderr.write(`demo replay failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
