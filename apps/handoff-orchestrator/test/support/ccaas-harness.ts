import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newEnvelope, type CcaasCommand, type TopicEvent } from '@hub/contracts';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { handoffBody, http, startService, WorldKafka, type Json, type RunningService } from './harness';

/** Service env of the contact-center e2e specs: local fakes over http, fast vendor retries. */
export const CCAAS_E2E_ENV: Record<string, string> = {
  OUTBOUND_ALLOW_HTTP: 'true',
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
  CCAAS_MAX_ATTEMPTS: '3',
  CCAAS_RETRY_BASE_MS: '100',
  CCAAS_RETRY_MAX_MS: '300',
};

/**
 * 575 real customer/agent turns (DSTC11, test/fixtures/README.md) as one long bot transcript (≈ 42 KB of text),
 * the input that proves each vendor's size cut end to end.
 */
export function longRealTranscript(): { role: 'user' | 'bot'; text: string; timestamp: string }[] {
  const f = JSON.parse(readFileSync(join(__dirname, '../fixtures/dstc11-long-transcript.json'), 'utf8')) as {
    turns: { speaker: string; text: string }[];
  };
  const t0 = Date.parse('2026-01-01T09:00:00Z');
  return f.turns.map((t, i) => ({
    role: t.speaker === 'customer' ? ('user' as const) : ('bot' as const),
    text: t.text,
    timestamp: new Date(t0 + i * 1000).toISOString(),
  }));
}

/** A handoff as `GET /v1/handoffs/{id}` shows it (the fields the ccaas specs read). */
export interface HandoffView {
  status: string;
  reason?: string;
  agentId?: string;
  summary: { text: string | null };
  transitions: { to: string; detail?: string }[];
}

/**
 * The shared world of the contact-center e2e specs (ccaas-*.e2e-spec.ts): a test world (PostgreSQL, Kafka, Redis
 * namespaces), the orchestrator started on it with {@link CCAAS_E2E_ENV}, a Kafka probe on the outcome, chat and
 * ccaas-command topics, and the helpers every spec used to copy: create an integration, request a handoff, wait for
 * an outcome, publish a customer line, read relayed lines and the handoff view. Create it at module level, call
 * {@link start} in `beforeAll` and {@link stop} in `afterAll`; the helpers are bound arrow functions (destructure
 * them). `svc` may be replaced (replica tests).
 */
export class CcaasHarness {
  world!: TestWorld;
  svc!: RunningService;
  kafka!: WorldKafka;

  constructor(
    readonly tenant: string,
    private readonly env: Record<string, string> = {},
  ) {}

  /** The service env (for extra replicas). */
  get serviceEnv(): Record<string, string> {
    return { ...CCAAS_E2E_ENV, ...this.env };
  }

  async start(): Promise<void> {
    this.world = await createTestWorld();
    this.svc = await startService(this.world, this.serviceEnv);
    this.kafka = new WorldKafka(this.world);
    await this.kafka.start(['conversationMessages', 'ccaasCommands']);
  }

  async stop(): Promise<void> {
    await this.kafka?.stop();
    await this.svc?.close();
    await this.world?.drop();
  }

  /** `POST /v1/integrations` as the tenant; expects 201 and returns the id. */
  createIntegration = async (body: {
    type: string;
    name: string;
    config: Record<string, unknown>;
    secrets: Record<string, unknown>;
  }): Promise<string> => {
    const r = await http(this.svc.url, 'POST', '/v1/integrations', { tenant: this.tenant, body });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };

  /** `POST /v1/handoffs` to `integrationId` ({@link handoffBody} + `over`); expects 201. */
  request = async (
    integrationId: string,
    over: Record<string, unknown> = {},
  ): Promise<{ id: string; conversationId: string }> => {
    const r = await http(this.svc.url, 'POST', '/v1/handoffs', {
      tenant: this.tenant,
      body: handoffBody(integrationId, over),
    });
    expect(r.status).toBe(201);
    return r.body as { id: string; conversationId: string };
  };

  /** Publishes a contact-center bridge command (`hub.ccaas.commands.v1`) as the orchestrator's outbox would. */
  command = (conversationId: string, data: CcaasCommand) =>
    this.kafka.producer.publish(
      'ccaasCommands',
      newEnvelope({
        type: 'ccaas.command' as const,
        version: 1 as const,
        tenantId: this.tenant,
        source: 'test',
        correlationId: conversationId,
        data,
      }) as TopicEvent<'ccaasCommands'>,
    );

  /** JSON over HTTP to the service as the tenant. */
  api = (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> =>
    http(this.svc.url, method, path, { tenant: this.tenant, body });

  /** Outcome events of a handoff seen so far. */
  outcomes = (handoffId: string) =>
    this.kafka.events('handoffOutcomes').filter((e) => e.data.handoffId === handoffId);

  waitOutcome = (handoffId: string, status: string) =>
    waitFor(() => this.outcomes(handoffId).find((e) => e.data.status === status), {
      what: `${status} outcome`,
      timeoutMs: 40_000,
    });

  /** Lines relayed to the bot channel (`hub.conversation.messages.v1`, outbound) of a conversation, by kind. */
  relayed = (conversationId: string, kind: string) =>
    this.kafka
      .events('conversationMessages')
      .filter(
        (e) =>
          e.data.conversationId === conversationId && e.data.direction === 'outbound' && e.data.kind === kind,
      );

  view = async (handoffId: string): Promise<HandoffView> =>
    (await http(this.svc.url, 'GET', `/v1/handoffs/${handoffId}`, { tenant: this.tenant }))
      .body as HandoffView;

  /**
   * The customer's line after the handoff, as the bot platform publishes it (a fresh envelope each call; pass the
   * same `messageId` to model the bot platform redelivering one line).
   */
  /**
   * Publishes a customer message of any kind (`typing`, `file` …) as the bot platform would: `data` is merged
   * over `{ conversationId, messageId, direction: inbound, sender: customer, sentAt }`.
   */
  customerSends = (conversationId: string, data: Record<string, unknown>, messageId = `m-${randomUUID()}`) =>
    this.kafka.producer.publish(
      'conversationMessages',
      newEnvelope({
        type: 'conversation.message' as const,
        version: 1 as const,
        tenantId: this.tenant,
        source: 'test-bot',
        correlationId: conversationId,
        data: {
          conversationId,
          messageId,
          direction: 'inbound' as const,
          sender: { role: 'customer' as const },
          sentAt: new Date().toISOString(),
          ...data,
        },
      }) as TopicEvent<'conversationMessages'>,
    );

  customerSays = (conversationId: string, text: string, messageId = `m-${randomUUID()}`) =>
    this.kafka.producer.publish(
      'conversationMessages',
      newEnvelope({
        type: 'conversation.message' as const,
        version: 1 as const,
        tenantId: this.tenant,
        source: 'test-bot',
        correlationId: conversationId,
        data: {
          conversationId,
          messageId,
          direction: 'inbound' as const,
          sender: { role: 'customer' as const },
          kind: 'text' as const,
          text,
          sentAt: new Date().toISOString(),
        },
      }) as TopicEvent<'conversationMessages'>,
    );
}
