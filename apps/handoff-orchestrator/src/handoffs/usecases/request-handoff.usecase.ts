import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import stringify from 'safe-stable-stringify';
import { workItemTypeForChannel, type HandoffRequest } from '@hub/contracts';
import {
  IntegrationStore,
  OutboundUrlPolicy,
  OutboundUrlRefusedError,
  parseIntegration,
} from '@hub/integrations';
import type { HandoffModel as Handoff } from '@hub/persistence';
import { BadRequestProblem, NotFoundProblem, Problem, UnprocessableProblem } from '../../http/problems';
import { EnrichmentService } from '../../enrichment/enrichment.service';
import { BOT_WEBHOOK_URL_POLICY } from '../../bot-webhooks/bot-webhook-tokens';
import { QueueRepository } from '../../routing/queue.repository';
import { workItemCommand, type Cause } from '../handoff-events';
import { DuplicateHandoffError, HandoffRepository } from '../handoff.repository';
import { OutcomeAnnouncer } from '../outcome-announcer';
import { BotWebhookDispatcher } from '../../bot-webhooks/bot-webhook-dispatcher.service';
import { HandoffMetrics } from '../../metrics/handoff-metrics';
import { CcaasTargets } from '../../ccaas/ccaas-targets';
import { ccaasCommand } from '../../ccaas/ccaas-events';
import { EscalationRepository } from '../../escalation/escalation.repository';

/** One handoff request from either intake (REST or Kafka). */
export interface RequestHandoffCommand {
  tenantId: string;
  request: HandoffRequest;
  /** Dedupe key: `Idempotency-Key` header / body field / Kafka envelope id, or a generated one. */
  idempotencyKey: string;
  /** `callback`: a scheduled customer callback reaching its slot (src/customer-callbacks). */
  intake: 'rest' | 'kafka' | 'callback';
  cause: Cause;
}

/** Result: the handoff and whether this call created it (false → an earlier request with the same key did). */
export interface RequestHandoffResult {
  handoff: Handoff;
  created: boolean;
}

/** SHA-256 of the request's canonical JSON (RFC 8785-style key order), without the idempotency key. */
export function requestHash(request: HandoffRequest): string {
  const { idempotencyKey: _k, ...rest } = request;
  return createHash('sha256')
    .update(stringify(rest) ?? '')
    .digest('hex');
}

/**
 * The intake use case shared by `POST /v1/handoffs` and `hub.handoff.requested.v1`:
 *  1. same (tenant, idempotency key) seen before → that handoff, nothing new (REST: a different body
 *     under the same key is a 422, as draft-ietf-httpapi-idempotency-key-header recommends);
 *  2. checks: integration exists in the tenant (404), is enabled (422) and either `internal` or an
 *     external contact center with a registered adapter (`@hub/ccaas`; other types 422); for `internal`,
 *     `routing.queue_id` is a queue of the tenant (422); callback URL passes the SSRF policy (400:
 *     https — http only if configured —, no userinfo, allow-listed host, no IP literal in a blocked range;
 *     host names are resolved and vetted again at delivery, {@link OutboundUrlPolicy}); a `decisionId` names a
 *     decision of the tenant (422) whose intent and first reason fill the missing `intent`/`escalationReason`;
 *  3. derives summary and sentiment (with their sources);
 *  4. one transaction: handoff `requested` (with its `target`) + audit row + the target's command
 *     (`internal`: the router's `create` work item command; external: a `start` command on
 *     `hub.ccaas.commands.v1` — the vendor is called by the bridge, never inside this request) +
 *     `requested` outcome (outbox). The unique (tenant, key) constraint makes concurrent duplicates collapse to one.
 * @throws Problem (400/404/422) for unusable requests
 */
@Injectable()
export class RequestHandoffUseCase {
  constructor(
    private readonly handoffs: HandoffRepository,
    private readonly integrations: IntegrationStore,
    private readonly queues: QueueRepository,
    private readonly enrichment: EnrichmentService,
    private readonly announcer: OutcomeAnnouncer,
    private readonly callbacks: BotWebhookDispatcher,
    private readonly metrics: HandoffMetrics,
    @Inject(BOT_WEBHOOK_URL_POLICY) private readonly callbackUrls: OutboundUrlPolicy,
    private readonly targets: CcaasTargets,
    private readonly decisions: EscalationRepository,
  ) {}

  /**
   * Takes one handoff request (REST or Kafka): replays an existing idempotency key, else validates the
   * integration and queue, enriches and inserts the handoff with its `create` command and `requested`
   * outcome in one statement.
   * @returns the handoff and whether it was created or replayed
   * @throws BadRequestProblem (400) callbackUrl refused by the SSRF policy; NotFoundProblem (404) unknown integration of
   *         the tenant; UnprocessableProblem (422) disabled /
   *         non-internal integration, unknown `routing.queue_id`, idempotency key reused with another body
   */
  async execute(cmd: RequestHandoffCommand): Promise<RequestHandoffResult> {
    const { tenantId, request } = cmd;
    const hash = requestHash(request);
    const existing = await this.replay(cmd, hash);
    if (existing) {
      this.metrics.requests.inc({ intake: cmd.intake, result: 'replayed' });
      return existing;
    }

    const { defaultQueueId, target } = await this.check(tenantId, request);
    const { intent, escalationReason } = await this.fromDecision(tenantId, request);
    const endTimer = this.metrics.enrichmentSeconds.startTimer();
    const derived = await this.enrichment.enrich(tenantId, request);
    endTimer({ summary_source: derived.summarySource });

    const id = randomUUID();
    const workItemId = randomUUID();
    const now = new Date();
    const row = {
      id,
      tenantId,
      integrationId: request.integrationId,
      idempotencyKey: cmd.idempotencyKey,
      requestHash: hash,
      intake: cmd.intake,
      botSessionId: request.botSessionId,
      conversationId: request.conversationId,
      channel: request.channel,
      routing: request.routing,
      transcript: request.transcript,
      intent,
      escalationReason,
      decisionId: request.decisionId ?? null,
      attributes: request.attributes,
      contact: request.contact,
      priority: request.priority,
      summary: derived.summary,
      summarySource: derived.summarySource,
      sentiment: derived.sentiment,
      sentimentSource: derived.sentimentSource,
      status: 'requested',
      workItemId,
      callbackUrl: request.callbackUrl ?? null,
      timeoutSeconds: request.timeoutSeconds ?? null,
      timeoutAt: request.timeoutSeconds ? new Date(now.getTime() + request.timeoutSeconds * 1000) : null,
      createdAt: now,
      target,
    };
    const create =
      target !== 'internal'
        ? ccaasCommand(
            tenantId,
            request.conversationId,
            { command: 'start', handoffId: id, integrationId: request.integrationId, target },
            cmd.cause,
          )
        : workItemCommand(
            tenantId,
            request.conversationId,
            {
              command: 'create',
              workItemId,
              handoffId: id,
              conversationId: request.conversationId,
              integrationId: request.integrationId,
              routing: request.routing,
              integrationDefaultQueueId: defaultQueueId,
              type: workItemTypeForChannel(request.channel),
              priority: request.priority,
              context: {
                channel: request.channel,
                transcript: request.transcript,
                summary: derived.summary,
                summarySource: derived.summarySource,
                intent,
                escalationReason,
                sentiment: derived.sentiment,
                sentimentSource: derived.sentimentSource,
                attributes: request.attributes,
                contact: request.contact,
              },
            },
            cmd.cause,
          );
    try {
      const effects = this.announcer.announce(
        { ...row, queueId: null, agentId: null } as unknown as Handoff,
        'requested',
        cmd.cause,
        undefined,
        [create],
      );
      const handoff = await this.handoffs.insert(
        row,
        { to: 'requested', eventId: cmd.cause.causationId ?? null },
        effects,
      );
      // The dispatcher scans only when there is a delivery to make (a scan is a query).
      if (effects.callback) this.callbacks.kick();
      this.metrics.requests.inc({ intake: cmd.intake, result: 'created' });
      this.metrics.outcomes.inc({ status: 'requested', reason: 'none' });
      return { handoff, created: true };
    } catch (e) {
      if (e instanceof DuplicateHandoffError) {
        const winner = await this.replay(cmd, hash);
        if (winner) {
          this.metrics.requests.inc({ intake: cmd.intake, result: 'replayed' });
          return winner;
        }
      }
      throw e;
    }
  }

  /**
   * Records a Kafka request that cannot be served (unknown integration, unknown queue …) as a handoff
   * `failed` with reason `error`, and announces it, so the bot flow follows its failure handle instead
   * of waiting. Idempotent on the same key. A callback URL the SSRF policy refuses is dropped (the
   * outcome still goes to the outcomes topic).
   */
  async reject(cmd: RequestHandoffCommand, problem: Problem): Promise<RequestHandoffResult> {
    const hash = requestHash(cmd.request);
    const existing = await this.handoffs.findByKey(cmd.tenantId, cmd.idempotencyKey);
    if (existing) return { handoff: existing, created: false };
    const r = cmd.request;
    const now = new Date();
    const row = {
      id: randomUUID(),
      tenantId: cmd.tenantId,
      integrationId: r.integrationId,
      idempotencyKey: cmd.idempotencyKey,
      requestHash: hash,
      intake: cmd.intake,
      botSessionId: r.botSessionId,
      conversationId: r.conversationId,
      channel: r.channel,
      routing: r.routing,
      transcript: r.transcript,
      intent: r.intent ?? null,
      escalationReason: r.escalationReason ?? null,
      attributes: r.attributes,
      contact: r.contact,
      priority: r.priority,
      summarySource: 'none',
      sentimentSource: r.sentimentScore !== undefined ? 'bot' : 'none',
      sentiment: r.sentimentScore ?? null,
      status: 'failed',
      reason: 'error',
      detail: problem.field ? `${problem.field}: ${problem.message}` : problem.message,
      workItemId: randomUUID(),
      callbackUrl: r.callbackUrl && this.callbackUrls.isAcceptable(r.callbackUrl) ? r.callbackUrl : null,
      timeoutSeconds: r.timeoutSeconds ?? null,
      createdAt: now,
      failedAt: now,
    };
    try {
      const effects = this.announcer.announce(
        { ...row, queueId: null, agentId: null } as unknown as Handoff,
        'failed',
        cmd.cause,
        { reason: 'error', detail: row.detail },
      );
      const handoff = await this.handoffs.insert(
        row,
        { to: 'failed', reason: 'error', detail: row.detail, eventId: cmd.cause.causationId ?? null },
        effects,
      );
      if (effects.callback) this.callbacks.kick();
      this.metrics.requests.inc({ intake: cmd.intake, result: 'rejected' });
      this.metrics.outcomes.inc({ status: 'failed', reason: 'error' });
      return { handoff, created: true };
    } catch (e) {
      if (e instanceof DuplicateHandoffError) {
        const winner = await this.handoffs.findByKey(cmd.tenantId, cmd.idempotencyKey);
        if (winner) return { handoff: winner, created: false };
      }
      throw e;
    }
  }

  private async replay(cmd: RequestHandoffCommand, hash: string): Promise<RequestHandoffResult | null> {
    const existing = await this.handoffs.findByKey(cmd.tenantId, cmd.idempotencyKey);
    if (!existing) return null;
    if (cmd.intake === 'rest' && existing.intake === 'rest' && existing.requestHash !== hash) {
      throw new UnprocessableProblem(
        'this idempotency key was already used with a different request body',
        'Idempotency-Key',
      );
    }
    return { handoff: existing, created: false };
  }

  /**
   * The escalation decision a handoff follows (`decisionId`, transfer_to_human): its detected intent fills
   * `intent` when the bot sent none, and its first reason (`rule:<id>`, `model:<class>`, …) fills
   * `escalationReason`; the full reasons stay on the decision, joined by `handoffs.decision_id`.
   * @throws UnprocessableProblem (422, field decisionId) for a decision the tenant does not have
   */
  private async fromDecision(
    tenantId: string,
    r: HandoffRequest,
  ): Promise<{ intent: string | null; escalationReason: string | null }> {
    const decision = r.decisionId ? await this.decisions.getDecision(tenantId, r.decisionId) : null;
    if (r.decisionId && !decision) {
      throw new UnprocessableProblem(`decision ${r.decisionId} does not exist in this tenant`, 'decisionId');
    }
    return {
      intent: r.intent ?? decision?.intent ?? null,
      escalationReason:
        r.escalationReason ?? (decision && decision.primaryReason !== 'none' ? decision.primaryReason : null),
    };
  }

  /**
   * Validates references; returns the target (`internal` or the external integration type) and, for
   * `internal`, the integration's default queue id (resolution level 3).
   */
  private async check(
    tenantId: string,
    r: HandoffRequest,
  ): Promise<{ defaultQueueId: string | null; target: string }> {
    if (r.callbackUrl) {
      try {
        this.callbackUrls.checkUrl(r.callbackUrl);
      } catch (e) {
        if (e instanceof OutboundUrlRefusedError) throw new BadRequestProblem(e.message, 'callbackUrl');
        throw e;
      }
    }
    const integration = await this.integrations.get(tenantId, r.integrationId);
    if (!integration) throw new NotFoundProblem(`integration ${r.integrationId} not found`, 'integrationId');
    const external = this.targets.isExternal(integration.type);
    if (integration.type !== 'internal' && !external) {
      throw new UnprocessableProblem(
        `integration ${r.integrationId} is of type ${integration.type}; handoffs need an internal or a contact-center integration`,
        'integrationId',
      );
    }
    if (!integration.enabled) {
      throw new UnprocessableProblem(`integration ${r.integrationId} is disabled`, 'integrationId');
    }
    if (external) return { defaultQueueId: null, target: integration.type };
    const { config } = parseIntegration('internal', integration.config, {});
    if (r.routing.queue_id && !(await this.queues.exists(tenantId, r.routing.queue_id))) {
      throw new UnprocessableProblem(
        `queue ${r.routing.queue_id} does not exist in this tenant`,
        'routing.queue_id',
      );
    }
    return { defaultQueueId: config.defaultQueueId, target: 'internal' };
  }
}
