import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { loadConfig } from '@hub/config';
import { newEnvelope, Topics, type TopicEvent, type TopicKey, type WorkItemEvent } from '@hub/contracts';
import { createKafka, HubProducer, TopicNamer } from '@hub/messaging';
import { createLogger } from '@hub/observability';
import { KafkaProbe, authHeaders, platformAdminHeaders, type TestWorld } from '@hub/testing';
import { startHandoffOrchestrator } from '../../src/bootstrap';
import { HandoffOrchestratorConfigSchema } from '../../src/config';

/** Parsed JSON of a test response: tests assert on its shape, so it is deliberately loose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A running in-process handoff orchestrator bound to a test world. */
export interface RunningService {
  app: INestApplication;
  url: string;
  close: () => Promise<void>;
}

/** Starts the service with the world's database/Kafka/Redis (PORT 0) and fast timers. */
export async function startService(
  world: TestWorld,
  env: Record<string, string> = {},
): Promise<RunningService> {
  const config = loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema, {
    ...world.env,
    PORT: '0',
    HANDOFF_TIMER_POLL_MS: '100',
    CALLBACK_POLL_MS: '100',
    CALLBACK_RETRY_BASE_MS: '200',
    CALLBACK_TIMEOUT_MS: '2000',
    ESCALATION_PRELOAD_MODELS: 'false', // most specs make no decision; the escalation spec turns it on
    ...env,
  });
  const { app, port } = await startHandoffOrchestrator(config);
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** JSON over HTTP, authenticated as a caller of `tenant` (`authHeaders`) when given; `admin` → platform admin. */
export async function http(
  base: string,
  method: string,
  path: string,
  opts: {
    tenant?: string;
    admin?: boolean;
    scopes?: string[];
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(base + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(opts.tenant ? await authHeaders(opts.tenant, opts.scopes) : {}),
      ...(opts.admin ? await platformAdminHeaders() : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Direct SQL on the world's database (seeding the router's queues, inspecting rows). */
export async function sql<T = Record<string, unknown>>(
  world: TestWorld,
  text: string,
  params: unknown[] = [],
) {
  const c = new Client({ connectionString: world.databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Inserts a queue row as the work-item router would own it. */
export async function seedQueue(
  world: TestWorld,
  tenantId: string,
  name: string,
  active = true,
): Promise<string> {
  const id = randomUUID();
  await sql(world, 'INSERT INTO queues (id, tenant_id, name, active) VALUES ($1, $2, $3, $4)', [
    id,
    tenantId,
    name,
    active,
  ]);
  return id;
}

/** Kafka access in the world's namespace: a validating producer and a probe over catalogue topics. */
export class WorldKafka {
  readonly namer: TopicNamer;
  readonly producer: HubProducer;
  readonly probe = new KafkaProbe();

  constructor(readonly world: TestWorld) {
    this.namer = new TopicNamer(world.kafkaNamespace);
    this.producer = new HubProducer(
      createKafka({
        config: { KAFKA_BROKERS: world.env.KAFKA_BROKERS.split(',') } as never,
        clientId: 'test',
        logger: createLogger('test', 'warn'),
      }),
      this.namer,
    );
  }

  /** Call after the service provisioned the topics; `extra` topics are probed too. */
  async start(extra: TopicKey[] = []): Promise<void> {
    await this.producer.connect();
    await this.probe.start(
      (
        ['workItemCommands', 'workItemEvents', 'handoffOutcomes', 'handoffRequested', ...extra] as TopicKey[]
      ).map((t) => this.namer.physical(Topics[t].name)),
    );
  }

  async stop(): Promise<void> {
    await this.probe.stop();
    await this.producer.disconnect();
  }

  /** Decoded events seen on a catalogue topic. */
  events<K extends TopicKey>(topic: K): TopicEvent<K>[] {
    return this.probe.on(this.namer.physical(Topics[topic].name)).map((m) => m.json() as TopicEvent<K>);
  }

  /**
   * Publishes several work item events in one produce request, each keyed like the router keys it
   * (conversation id). @returns their event ids (the given `ids`, or fresh), same order
   */
  async publishWorkItemEvents(tenantId: string, data: WorkItemEvent[], ids: string[] = []): Promise<string[]> {
    const events = data.map(
      (d, i) =>
        newEnvelope({
          id: ids[i] ?? randomUUID(),
          type: 'workitem.event' as const,
          version: 1 as const,
          tenantId,
          source: 'test-router',
          correlationId: 'conversationId' in d ? d.conversationId : `agent:${d.agentId}`,
          data: d,
        }) as TopicEvent<'workItemEvents'>,
    );
    await this.producer.publish('workItemEvents', ...events);
    return events.map((e) => e.id);
  }

  /** Publishes a work item event as the router would. */
  async publishWorkItemEvent(
    tenantId: string,
    data: WorkItemEvent,
    id: string = randomUUID(),
  ): Promise<string> {
    const conversationId = 'conversationId' in data ? data.conversationId : `agent:${data.agentId}`;
    await this.producer.publish(
      'workItemEvents',
      newEnvelope({
        id,
        type: 'workitem.event' as const,
        version: 1 as const,
        tenantId,
        source: 'test-router',
        correlationId: conversationId,
        data,
      }) as TopicEvent<'workItemEvents'>,
    );
    return id;
  }
}

/** A recorded HTTP request of a fake server. */
export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Json;
  /** The body exactly as received (signature checks). */
  raw: string;
}

/** A local HTTP server for callbacks / LLM fakes; `handler` decides each answer. */
export async function fakeServer(
  handler: (req: Recorded, res: ServerResponse) => void | Promise<void>,
): Promise<{ url: string; requests: Recorded[]; close: () => Promise<void>; server: Server }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: raw ? JSON.parse(raw) : null,
        raw,
      };
      requests.push(rec);
      void handler(rec, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A minimal valid handoff request body for an integration. */
export function handoffBody(integrationId: string, over: Record<string, unknown> = {}) {
  return {
    integrationId,
    botSessionId: `bs-${randomUUID().slice(0, 8)}`,
    conversationId: `conv-${randomUUID().slice(0, 8)}`,
    channel: 'web',
    transcript: [
      {
        role: 'user',
        text: 'I was charged twice for my order and I want a refund.',
        timestamp: '2026-01-01T10:00:00Z',
      },
      { role: 'bot', text: 'I can connect you with an agent.', timestamp: '2026-01-01T10:00:05Z' },
    ],
    intent: 'billing_refund',
    ...over,
  };
}
