import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import {
  RealtimeChannels,
  Topics,
  dlqTopicName,
  newEnvelope,
  type AgentChannelMessage,
  type TopicEvent,
  type WorkItemCommand,
  type WorkItemEvent,
} from '@hub/contracts';
import { HubProducer, TopicNamer, provisionTopics } from '@hub/messaging';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import { RealtimeBus } from '@hub/realtime';
import {
  KafkaProbe,
  authHeaders,
  createTestWorld,
  platformAdminHeaders,
  testInfra,
  waitFor,
  type TestWorld,
} from '@hub/testing';
import { startRouter } from '../../src/bootstrap';
import { loadRouterConfig } from '../../src/config';
import { abcdContext } from './fixtures';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** A work-item event as read back from Kafka. */
export type EventEnvelope = TopicEvent<'workItemEvents'>;

/** A message seen on an agent's Redis channel. */
export interface AgentMessage {
  tenantId: string;
  agentId: string;
  msg: AgentChannelMessage;
  /** Arrival time at the subscriber, ms since the epoch. */
  receivedAt: number;
}

/**
 * One isolated test world (database, Kafka namespace, Redis namespace) with the tools to drive and
 * observe the router the way its neighbours do: commands on Kafka (as the orchestrator and the
 * gateway send them), the admin REST API, the events topic and DLQ (KafkaProbe), the agents'
 * Redis channels, and direct SQL reads of the router's tables.
 */
export class RouterTestBus {
  readonly namer: TopicNamer;
  readonly probe = new KafkaProbe();
  readonly agentMessages: AgentMessage[] = [];
  readonly prisma: PrismaClient;
  private readonly kafka: Kafka;
  private readonly producer: HubProducer;
  private readonly realtime: RealtimeBus;
  base = '';

  private constructor(readonly world: TestWorld) {
    this.namer = new TopicNamer(world.kafkaNamespace);
    this.kafka = new Kafka({
      clientId: 'router-test',
      brokers: testInfra.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    this.producer = new HubProducer(this.kafka, this.namer);
    this.realtime = new RealtimeBus(world.env.REDIS_URL, world.redisNamespace, pino({ level: 'silent' }));
    this.prisma = createPrismaClient(world.databaseUrl, 4);
  }

  /** Creates the world, provisions its topics, starts the probe and the Redis subscription. */
  static async create(): Promise<RouterTestBus> {
    const bus = new RouterTestBus(await createTestWorld('hub_test_wir'));
    await provisionTopics(bus.kafka, bus.namer, 3, 1);
    await bus.producer.connect();
    await bus.realtime.subscribe(RealtimeChannels.agent, (channel, msg) => {
      const m = /^hub:t:([^:]+):agent:(.+)$/.exec(channel);
      if (m) bus.agentMessages.push({ tenantId: m[1], agentId: m[2], msg, receivedAt: Date.now() });
    });
    await bus.probe.start([
      bus.namer.physical(Topics.workItemEvents.name),
      bus.namer.physical(dlqTopicName(Topics.workItemCommands.name)),
    ]);
    return bus;
  }

  /** Env for a router process in this world. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { ...this.world.env, PORT: '0', ROUTER_EXPIRY_POLL_MS: '100', OPENAPI_ENABLED: 'true', ...extra };
  }

  /** Publishes a command like the orchestrator / gateway do. @returns the envelope */
  async send(tenantId: string, data: WorkItemCommand, correlationId?: string) {
    const env = newEnvelope({
      type: 'workitem.command' as const,
      version: 1,
      tenantId,
      source: 'test',
      correlationId:
        correlationId ?? (data.command === 'set_presence' ? `agent:${data.agentId}` : `conv-${randomUUID()}`),
      data,
    });
    const event = { ...env, version: 1 as const } as TopicEvent<'workItemCommands'>;
    await this.producer.publish('workItemCommands', event);
    return event;
  }

  /**
   * Publishes several commands of one tenant in one produce request, all under one key (one partition),
   * so the router fetches them as one batch. @returns the envelopes, same order
   */
  async sendMany(tenantId: string, key: string, data: WorkItemCommand[]) {
    const events = data.map(
      (d) =>
        ({
          ...newEnvelope({
            type: 'workitem.command' as const,
            version: 1,
            tenantId,
            source: 'test',
            correlationId: key,
            data: d,
          }),
          version: 1 as const,
        }) as TopicEvent<'workItemCommands'>,
    );
    await this.producer.publish('workItemCommands', ...events);
    return events;
  }

  /** Re-publishes exactly the same envelope (a Kafka redelivery / producer retry). */
  async resend(event: TopicEvent<'workItemCommands'>): Promise<void> {
    await this.producer.publish('workItemCommands', event);
  }

  /** A `create` command for a new work item with a real (ABCD) context. */
  createCommand(o: Partial<Extract<WorkItemCommand, { command: 'create' }>> & { n?: number } = {}) {
    const { n = 0, ...rest } = o;
    const context = rest.context ?? abcdContext(n);
    return {
      command: 'create' as const,
      workItemId: randomUUID(),
      handoffId: randomUUID(),
      conversationId: `conv-${randomUUID()}`,
      integrationId: randomUUID(),
      routing: {},
      integrationDefaultQueueId: null,
      type:
        context.channel === 'voice' || context.channel === 'phone' ? ('call' as const) : ('chat' as const),
      priority: 0,
      ...rest,
      context,
    };
  }

  /** Sends `create` keyed by its conversation id. @returns the command */
  async createItem(tenantId: string, o: Parameters<RouterTestBus['createCommand']>[0] = {}) {
    const cmd = this.createCommand(o);
    const envelope = await this.send(tenantId, cmd, cmd.conversationId);
    return { ...cmd, envelope };
  }

  /** Work-item events of the tenant seen so far (optionally for one work item). */
  events(tenantId: string, workItemId?: string): (EventEnvelope & { data: WorkItemEvent })[] {
    return this.probe
      .on(this.namer.physical(Topics.workItemEvents.name))
      .map((m) => m.json() as EventEnvelope)
      .filter(
        (e) =>
          e.tenantId === tenantId &&
          (!workItemId || ('workItemId' in e.data && e.data.workItemId === workItemId)),
      );
  }

  /** Waits for an event of the work item matching `event` (and `pred`). */
  waitEvent<E extends WorkItemEvent['event']>(
    tenantId: string,
    workItemId: string | undefined,
    event: E,
    pred: (d: Extract<WorkItemEvent, { event: E }>) => boolean = () => true,
    timeoutMs = 20000,
  ): Promise<Extract<WorkItemEvent, { event: E }>> {
    return waitFor(
      () =>
        this.events(tenantId, workItemId)
          .map((e) => e.data)
          .find(
            (d): d is Extract<WorkItemEvent, { event: E }> =>
              d.event === event && pred(d as Extract<WorkItemEvent, { event: E }>),
          ),
      { timeoutMs, what: `${event} event for ${workItemId ?? tenantId}` },
    );
  }

  /** Dead letters of the command topic (value + headers). */
  deadLetters() {
    return this.probe.on(this.namer.physical(dlqTopicName(Topics.workItemCommands.name))).map((m) => ({
      value: JSON.parse(m.value) as TopicEvent<'workItemCommands'>,
      reason: m.headers['x-dlq-reason'],
      error: m.headers['x-dlq-error'],
    }));
  }

  /** Messages on one agent's channel. */
  messagesFor(tenantId: string, agentId: string): AgentChannelMessage[] {
    return this.agentMessages
      .filter((m) => m.tenantId === tenantId && m.agentId === agentId)
      .map((m) => m.msg);
  }

  /** Waits for a message of `kind` on the agent's channel (optionally about one work item). */
  waitAgentMessage<K extends AgentChannelMessage['kind']>(
    tenantId: string,
    agentId: string,
    kind: K,
    workItemId?: string,
    timeoutMs = 20000,
  ): Promise<Extract<AgentChannelMessage, { kind: K }>> {
    return waitFor(
      () =>
        this.messagesFor(tenantId, agentId).find(
          (m): m is Extract<AgentChannelMessage, { kind: K }> =>
            m.kind === kind && (!workItemId || workItemIdOf(m) === workItemId),
        ),
      { timeoutMs, what: `${kind} on ${agentId}'s channel${workItemId ? ` for ${workItemId}` : ''}` },
    );
  }

  /** Admin REST call, authenticated as a caller of `tenant` (`authHeaders`) when given; `admin` → platform admin. */
  async http<T = Record<string, unknown>>(
    method: string,
    path: string,
    o: { tenant?: string; admin?: boolean; scopes?: string[]; body?: unknown; base?: string } = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${o.base ?? this.base}${path}`, {
      method,
      headers: {
        ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(o.tenant ? await authHeaders(o.tenant, o.scopes) : {}),
        ...(o.admin ? await platformAdminHeaders() : {}),
      },
      body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** POST /v1/tenants. @returns the default queue id */
  async tenant(id: string): Promise<string> {
    const r = await this.http<{ defaultQueue: { id: string } }>('POST', '/v1/tenants', {
      admin: true,
      body: { id, name: `Tenant ${id}` },
    });
    if (r.status !== 201) throw new Error(`tenant ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.defaultQueue.id;
  }

  /** POST /v1/queues. @returns the queue id */
  async queue(tenant: string, body: Record<string, unknown>): Promise<string> {
    const r = await this.http<{ id: string }>('POST', '/v1/queues', { tenant, body });
    if (r.status !== 201) throw new Error(`queue: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  /** POST /v1/agents (+ optional presence through PUT …/presence). */
  async agent(
    tenant: string,
    body: Record<string, unknown>,
    presence?: 'online' | 'away' | 'offline',
  ): Promise<void> {
    const r = await this.http('POST', '/v1/agents', { tenant, body });
    if (r.status !== 201) throw new Error(`agent: ${r.status} ${JSON.stringify(r.body)}`);
    if (presence) await this.presence(tenant, String(body.id), presence);
  }

  async presence(tenant: string, agentId: string, presence: 'online' | 'away' | 'offline'): Promise<void> {
    const r = await this.http('PUT', `/v1/agents/${agentId}/presence`, { tenant, body: { presence } });
    if (r.status !== 200) throw new Error(`presence: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** GET /v1/work-items/:id body. */
  async workItem(tenant: string, id: string) {
    const r = await this.http<
      { status: string; agentId: string | null; queueId: string | null } & Record<string, unknown>
    >('GET', `/v1/work-items/${id}`, { tenant });
    return r.status === 200 ? r.body : null;
  }

  async close(): Promise<void> {
    await this.probe.stop().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.realtime.close();
    await this.prisma.$disconnect();
    await this.world.drop();
  }
}

/** The work item a channel message is about. */
export function workItemIdOf(m: AgentChannelMessage): string | undefined {
  if (m.kind === 'offer' || m.kind === 'assigned') return m.workItem.workItemId;
  if (m.kind === 'offer_revoked' || m.kind === 'unassigned') return m.workItemId;
  return undefined;
}

/** Starts the router in this process. */
export async function startInProcess(
  bus: RouterTestBus,
  extra: Record<string, string> = {},
): Promise<{ app: INestApplication; base: string }> {
  const { app, port } = await startRouter(loadRouterConfig(bus.env(extra)));
  const base = `http://127.0.0.1:${port}`;
  return { app, base };
}

/** A router running as a child process (`node --require @swc-node/register apps/work-item-router/src/main.ts`). */
export interface RouterProcess {
  proc: ChildProcess;
  base: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/**
 * Spawns a router child process with the world's env (+ `extra`) and waits until it listens and
 * its consumer has joined the group.
 */
export async function spawnRouter(
  bus: RouterTestBus,
  extra: Record<string, string> = {},
): Promise<RouterProcess> {
  const proc = spawn(
    process.execPath,
    ['--require', '@swc-node/register', 'apps/work-item-router/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...bus.env({ LOG_LEVEL: 'info', ...extra }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await waitFor(
    () => {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new Error(`router exited early:\n${out.slice(-3000)}`);
      const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      return m ? Number(m[1]) : null;
    },
    { timeoutMs: 90000, intervalMs: 100, what: 'router child to listen' },
  ).catch((e: Error) => {
    proc.kill('SIGKILL'); // never leave an orphan behind
    throw e;
  });
  return { proc, base: `http://127.0.0.1:${port}`, exited, output: () => out };
}

/** Stops a router child: SIGTERM (graceful: consumers commit, relay stops), SIGKILL after `graceMs`. */
export async function stopRouter(r: RouterProcess, graceMs = 15000): Promise<void> {
  if (r.proc.exitCode !== null || r.proc.signalCode !== null) return;
  r.proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([r.exited, new Promise((res) => (timer = setTimeout(res, graceMs)))]);
  clearTimeout(timer);
  if (r.proc.exitCode === null && r.proc.signalCode === null) {
    r.proc.kill('SIGKILL');
    await r.exited;
  }
}
