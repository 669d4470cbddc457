import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { INestApplication } from '@nestjs/common';
import { io, type Socket } from 'socket.io-client';
import { KafkaConfigSchema, loadConfig } from '@hub/config';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import { HubProducer, TopicNamer, createKafka } from '@hub/messaging';
import { bootstrapService, createLogger } from '@hub/observability';
import { SHARED_DATA_DIR, type TestWorld } from '@hub/testing';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { AssistGatewayConfigSchema, type AssistGatewayConfig } from '../../src/config';
import type { SuggestionView } from '../../src/domain/widget-claims';
import type { SuggestionDeltaView } from '../../src/stream/suggestion-delta-view';

export const SECRET = 'assist-gateway-test-secret-0123456789abcdef';
export const ADMIN_KEY = 'admin-key-0123456789abcdef0123456789abcdef';
export const ACME_KEY = 'acme-key-0123456789abcdef0123456789abcdef';

/** A gateway started in-process from its AppModule with the world's config. */
export interface RunningGateway {
  app: INestApplication;
  url: string;
  config: AssistGatewayConfig;
}

export async function startGateway(
  world: TestWorld,
  extraEnv: Record<string, string> = {},
): Promise<RunningGateway> {
  const config = loadConfig('assist-gateway', AssistGatewayConfigSchema, {
    ...world.env,
    PORT: '0',
    EMBED_TOKEN_SECRET: SECRET,
    ASSIST_ADMIN_API_KEY: ADMIN_KEY,
    ASSIST_TENANT_API_KEYS: `acme=${ACME_KEY}`,
    ...extraEnv,
  });
  const logger = createLogger('assist-gateway', config.LOG_LEVEL);
  const { app, port } = await bootstrapService({
    module: AppModule.forRoot(config, { logger }),
    logger,
    port: 0,
    host: '127.0.0.1',
    configure: (a) => configureApp(a, config),
  });
  return { app, url: `http://127.0.0.1:${port}`, config };
}

/** Mints an embed token through the real issuance endpoint (admin key). */
export async function mintToken(gw: RunningGateway, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${gw.url}/v1/embed-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`mint failed ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** A widget connection as a test sees it: what it received, in order. */
export interface TestWidget {
  socket: Socket;
  suggestions: SuggestionView[];
  /** `suggestion.delta` events, in order. */
  deltas: SuggestionDeltaView[];
  /** Every `suggestion.delta` and `suggestion`, in arrival order. */
  stream: (
    { event: 'suggestion.delta'; view: SuggestionDeltaView } | { event: 'suggestion'; view: SuggestionView }
  )[];
  interactions: (string | null)[];
  snapshots: { interactionId: string; suggestions: SuggestionView[] }[];
  sessions: { token: string; tenantId: string; agentId: string }[];
}

/**
 * Connects like the widget page does (namespace `/assist`, `auth: {token, hints}`).
 * @returns the widget once connected; rejects with the `connect_error` (message + data.reason)
 */
export function connectWidget(url: string, auth: Record<string, unknown>): Promise<TestWidget> {
  const socket = io(`${url}/assist`, {
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const w: TestWidget = {
    socket,
    suggestions: [],
    deltas: [],
    stream: [],
    interactions: [],
    snapshots: [],
    sessions: [],
  };
  socket.on('suggestion', (s: SuggestionView) => {
    w.suggestions.push(s);
    w.stream.push({ event: 'suggestion', view: s });
  });
  socket.on('suggestion.delta', (d: SuggestionDeltaView) => {
    w.deltas.push(d);
    w.stream.push({ event: 'suggestion.delta', view: d });
  });
  socket.on('interaction', (p: { interactionId: string | null }) => w.interactions.push(p.interactionId));
  socket.on('suggestions.snapshot', (p: TestWidget['snapshots'][number]) => w.snapshots.push(p));
  socket.on('session', (s: TestWidget['sessions'][number]) => w.sessions.push(s));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(w));
    socket.once('connect_error', (e: Error & { data?: { reason?: string } }) => {
      socket.close();
      reject(Object.assign(new Error(e.message), { reason: e.data?.reason }));
    });
  });
}

/** Kafka producer outside the gateway (stands in for suggestion-service). */
export class SuggestionPublisher {
  private readonly producer: HubProducer;

  constructor(world: TestWorld) {
    const config = loadConfig('test', KafkaConfigSchema, world.env);
    const kafka = createKafka({
      config,
      clientId: 'test-suggestion-publisher',
      logger: createLogger('test', 'warn'),
    });
    this.producer = new HubProducer(kafka, new TopicNamer(world.kafkaNamespace));
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /**
   * Publishes a suggestion for `tenantId`/`interactionId`; returns its suggestionId (`opts.suggestionId`
   * completes an answer streamed with {@link publishDelta}).
   */
  async publish(
    tenantId: string,
    interactionId: string,
    answer: string,
    sources: { documentId: string; title: string }[] = [{ documentId: 'doc-1', title: 'Doc one' }],
    opts: { suggestionId?: string; generator?: 'extractive' | 'llm'; fallbackReason?: string } = {},
  ): Promise<string> {
    const suggestionId = opts.suggestionId ?? randomUUID();
    const event: TopicEvent<'assistSuggestions'> = newEnvelope({
      type: 'assist.suggestion',
      version: 1,
      tenantId,
      source: 'suggestion-service',
      correlationId: interactionId,
      data: {
        suggestionId,
        interactionId,
        answer,
        sources,
        confidence: 0.74,
        generator: opts.generator ?? 'extractive',
        ...(opts.fallbackReason ? { fallbackReason: opts.fallbackReason } : {}),
        timings: { retrievalMs: 3, generationMs: 1, totalMs: 4 },
      },
    }) as TopicEvent<'assistSuggestions'>;
    await this.producer.publish('assistSuggestions', event);
    return suggestionId;
  }

  /**
   * Publishes an `assist.suggestion.delta` (piece `seq` of answer `suggestionId`) as suggestion-service
   * does while an LLM answer streams; `seq` 1 carries the sources and confidence 0.74.
   */
  async publishDelta(
    tenantId: string,
    interactionId: string,
    suggestionId: string,
    seq: number,
    text: string,
    sources: { documentId: string; title: string }[] = [{ documentId: 'doc-1', title: 'Doc one' }],
    occurredAt?: string,
  ): Promise<void> {
    const event = newEnvelope({
      type: 'assist.suggestion.delta' as const,
      version: 1 as const,
      tenantId,
      source: 'suggestion-service',
      correlationId: interactionId,
      ...(occurredAt ? { occurredAt } : {}),
      data: {
        suggestionId,
        interactionId,
        seq,
        text,
        ...(seq === 1 ? { sources, confidence: 0.74 } : {}),
      },
    }) as TopicEvent<'assistSuggestions'>;
    await this.producer.publish('assistSuggestions', event);
  }

  /** Publishes a raw (unvalidated) value on the suggestions topic. */
  async publishRaw(key: string, value: string): Promise<void> {
    await this.producer.sendRaw('hub.assist.suggestions.v1', [{ key, value }]);
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

/** The local OpenID provider child process (see oidc-provider-server.mjs). */
export async function startOidcProvider(
  clientId: string,
  redirectUri: string,
): Promise<{ issuer: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(__dirname, 'oidc-provider-server.mjs'), clientId, redirectUri],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const issuer = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => resolve((JSON.parse(line) as { issuer: string }).issuer));
    child.once('exit', (code) => reject(new Error(`oidc provider exited ${code}: ${stderr.join('')}`)));
  });
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A knowledge base document from the shared real data (ABCD agent guidelines, MIT; see shared/data/README.md). */
export interface KbDocument {
  id: string;
  title: string;
  text: string;
}

/** The first `n` ABCD guideline documents (`../shared/data/kb-abcd/guidelines.jsonl` beside the repo). */
export function loadGuidelines(n: number): KbDocument[] {
  const file = join(SHARED_DATA_DIR, 'kb-abcd', 'guidelines.jsonl');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, n)
    .map((line) => JSON.parse(line) as KbDocument);
}

/** The first sentence of a text (an extractive answer as the suggestion service would give). */
export function firstSentence(text: string): string {
  const m = /^.*?[.!?](\s|$)/.exec(text);
  return (m ? m[0] : text).trim();
}
