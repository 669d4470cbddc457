import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { io, type Socket } from 'socket.io-client';
import { createLogger } from '@hub/observability';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { RealtimeBus } from '@hub/realtime';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import type { WorkItemContext } from '@hub/contracts';
import { mintAgentToken } from '../../src/auth/agent-token.verifier';
import { loadGatewayConfig, type GatewayConfig } from '../../src/config';
import { startGateway } from '../../src/server';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';

/** The `sync` snapshot sent on connect. */
export interface SyncSnapshot {
  offers: {
    offerId: string;
    expiresAt: string;
    workItem: { workItemId: string; context: WorkItemContext };
  }[];
  assigned: { workItemId: string; context: WorkItemContext }[];
  /** The agent's presence as the router recorded it. */
  presence: 'online' | 'away' | 'offline' | null;
  at: string;
}
export type AgentTestSocket = Socket & { syncs: SyncSnapshot[] };

/** A running gateway in an isolated world, with helpers to seed the router's tables and connect agents. */
export interface GatewayHarness {
  world: TestWorld;
  config: GatewayConfig;
  app: INestApplication;
  baseUrl: string;
  prisma: PrismaClient;
  bus: RealtimeBus;
  probe: KafkaProbe;
  sockets: Socket[];
  token: (
    tenantId: string,
    agentId: string,
    opts?: { ttlSeconds?: number; secret?: string },
  ) => Promise<string>;
  /**
   * Connects an agent socket (to this gateway, or to another replica at `baseUrl`); `syncs` collects
   * every `sync` snapshot from the first one on.
   */
  connect: (token: string, baseUrl?: string) => Promise<AgentTestSocket>;
  close: () => Promise<void>;
}

/**
 * Starts the gateway (PORT=0) with small file limits and a Kafka probe on the topics it writes, in a new
 * test world or in `opts.world` (other services started in it first, e.g. assist-gateway whose URL the
 * gateway needs).
 */
export async function startHarness(
  env: Record<string, string> = {},
  opts: { world?: TestWorld } = {},
): Promise<GatewayHarness> {
  const world = opts.world ?? (await createTestWorld());
  const files = mkdtempSync(join(tmpdir(), 'gw-files-'));
  const config = loadGatewayConfig({
    ...world.env,
    PORT: '0',
    AGENT_JWT_SECRET: TEST_SECRET,
    FILE_STORAGE_DIR: files,
    FILE_MAX_BYTES: '2048',
    FILE_ALLOWED_TYPES: 'text/plain,image/png',
    PRESENCE_OFFLINE_GRACE_MS: '0',
    ...env,
  });
  const logger = createLogger('agent-gateway-test', world.env.LOG_LEVEL);
  const { app, port } = await startGateway(config, logger);
  const baseUrl = `http://127.0.0.1:${port}`;
  const prisma = createPrismaClient(world.databaseUrl, 4);
  const bus = new RealtimeBus(world.env.REDIS_URL, world.redisNamespace, logger);
  const probe = new KafkaProbe();
  await probe.start([
    `${world.kafkaNamespace}hub.workitem.commands.v1`,
    `${world.kafkaNamespace}hub.conversation.messages.v1`,
  ]);
  const sockets: Socket[] = [];
  return {
    world,
    config,
    app,
    baseUrl,
    prisma,
    bus,
    probe,
    sockets,
    token: (tenantId, agentId, opts = {}) =>
      mintAgentToken({ secret: opts.secret ?? TEST_SECRET, tenantId, agentId, ttlSeconds: opts.ttlSeconds }),
    connect: (token, url = baseUrl) =>
      new Promise((resolve, reject) => {
        const s = io(`${url}/agents`, {
          auth: { token },
          transports: ['websocket'],
          reconnection: false,
          autoConnect: false,
        }) as AgentTestSocket;
        s.syncs = collect<SyncSnapshot>(s, 'sync');
        sockets.push(s);
        s.connect();
        s.once('connect', () => resolve(s));
        s.once('connect_error', (e) => reject(e));
      }),
    close: async () => {
      for (const s of sockets) s.disconnect();
      await probe.stop();
      await bus.close();
      await app.close();
      await prisma.$disconnect();
      await world.drop();
      rmSync(files, { recursive: true, force: true });
    },
  };
}

/** Collects every payload of a socket event. */
export function collect<T = unknown>(socket: Socket, event: string): T[] {
  const got: T[] = [];
  socket.on(event, (p: T) => got.push(p));
  return got;
}

/** Emits with an acknowledgement. */
export function emitAck<T = { ok: boolean; code?: string; error?: string }>(
  socket: Socket,
  event: string,
  payload?: unknown,
): Promise<T> {
  return new Promise((resolve) => socket.emit(event, payload, resolve));
}

/** A real-looking context (ABCD retail conversation excerpt, MIT — see tools/demo/data/abcd/LICENSE). */
export function sampleContext(): WorkItemContext {
  return {
    channel: 'web',
    transcript: [
      {
        role: 'user',
        text: 'Hi! I need to return an item, can you help me with that?',
        timestamp: '2026-11-21T10:00:00.000Z',
      },
      { role: 'bot', text: 'May I ask the reason for the return?', timestamp: '2026-11-21T10:00:02.000Z' },
      { role: 'user', text: 'I got the wrong size.', timestamp: '2026-11-21T10:00:09.000Z' },
    ],
    summary: 'Customer wants to return jeans bought in November (wrong size).',
    summarySource: 'library',
    intent: 'return_size',
    escalationReason: 'asked for a human',
    sentiment: -0.2,
    sentimentSource: 'library',
    attributes: { selected_queue: 'Returns', member_level: 'bronze' },
    contact: { name: 'Crystal Minh', email: 'cminh730@email.com', phone: '(977) 625-2661' },
  };
}

/**
 * Seeds what the work-item router would have written: tenant (→ Default queue), a queue, an agent,
 * a work item and optionally a live offer to the agent or an assignment.
 */
export async function seedWorkItem(
  prisma: PrismaClient,
  opts: {
    tenantId: string;
    agentId: string;
    state: 'offered' | 'assigned' | 'waiting';
    conversationId?: string;
  },
): Promise<{ workItemId: string; offerId: string | null; queueId: string; conversationId: string }> {
  const { tenantId, agentId } = opts;
  await prisma.tenant.upsert({
    where: { id: tenantId },
    create: { id: tenantId, name: tenantId },
    update: {},
  });
  const queue =
    (await prisma.queue.findFirst({ where: { tenantId, name: 'Returns' } })) ??
    (await prisma.queue.create({ data: { id: randomUUID(), tenantId, name: 'Returns' } }));
  await prisma.agent.upsert({
    where: { tenantId_id: { tenantId, id: agentId } },
    create: { tenantId, id: agentId, displayName: agentId, presence: 'online' },
    update: {},
  });
  const workItemId = randomUUID();
  const conversationId = opts.conversationId ?? `conv-${randomUUID()}`;
  const ctx = sampleContext();
  await prisma.workItem.create({
    data: {
      id: workItemId,
      tenantId,
      conversationId,
      type: 'chat',
      status: opts.state,
      queueId: queue.id,
      agentId: opts.state === 'assigned' ? agentId : null,
      assignedAt: opts.state === 'assigned' ? new Date() : null,
      channel: ctx.channel,
      transcript: ctx.transcript,
      summary: ctx.summary,
      summarySource: ctx.summarySource,
      intent: ctx.intent,
      escalationReason: ctx.escalationReason,
      sentiment: ctx.sentiment,
      sentimentSource: ctx.sentimentSource,
      attributes: ctx.attributes,
      contact: ctx.contact,
    },
  });
  let offerId: string | null = null;
  if (opts.state === 'offered') {
    offerId = randomUUID();
    await prisma.offer.create({
      data: {
        id: offerId,
        tenantId,
        workItemId,
        agentId,
        queueId: queue.id,
        status: 'live',
        eventId: randomUUID(),
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
  }
  return { workItemId, offerId, queueId: queue.id, conversationId };
}

/** Kafka records of a logical topic the probe has seen, parsed. */
export function probed<T = { data: Record<string, unknown>; tenantId: string }>(
  h: GatewayHarness,
  topic: 'hub.workitem.commands.v1' | 'hub.conversation.messages.v1',
): T[] {
  return h.probe.on(`${h.world.kafkaNamespace}${topic}`).map((m) => m.json() as T);
}

export { waitFor };
