import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { workItemTypeForChannel } from '@hub/contracts';
import {
  decide,
  ESCALATION_PROTOTYPES,
  evaluateRules,
  type ClassSignal,
  type Decision,
  type DecisionReason,
  type EscalationPath,
  type RetrievalSignal,
  type ScopeSignal,
} from '@hub/escalation';
import { BadRequestProblem } from '../../http/problems';
import type { DecisionRequest, DecisionView, RecommendedPath } from '../decision.schemas';
import { EscalationConfigService } from '../escalation-config.service';
import { PATH_ORDER, type EscalationConfig } from '../escalation-config';
import {
  LiveAvailabilityPort,
  LiveAvailabilityUnavailable,
  type QueueAvailability,
} from '../live-availability.repository';
import { EscalationModels, ModelUnavailable, type TurnEmbeddings } from '../escalation-models';
import { EscalationRepository } from '../escalation.repository';
import { intentPhrase, renderTemplate, shorten } from '../handoff-message';
import type { ForwardedCaller } from '../forwarded-caller';
import { KnowledgeSearchPort, KnowledgeSearchUnavailable } from '../knowledge-search.repository';
import { waitPhrase } from '../wait-phrase';

/** Input of {@link DecideEscalationUseCase}. */
export interface DecideEscalationCommand {
  tenantId: string;
  request: DecisionRequest;
  /** The caller's `Authorization` header, forwarded to the knowledge search (same tenant, same scopes). */
  credential?: string;
}

const TOOL_OF: Record<EscalationPath, RecommendedPath['tool']> = {
  form: 'send_secure_form',
  live_agent: 'transfer_to_human',
  callback: 'schedule_callback',
};

/** The report key of a decision's first reason: `rule:<id> | model:<class> | out_of_scope | retrieval | none`. */
export function primaryReasonOf(reasons: DecisionReason[]): string {
  const r = reasons[0];
  if (!r) return 'none';
  if (r.signal === 'rule') return `rule:${r.ruleId}`;
  if (r.signal === 'model') return `model:${r.class}`;
  return r.signal;
}

/**
 * `POST /v1/escalation/decisions` (issue 10, seed 003): should the bot step aside, why, and which paths to offer.
 *  1. the tenant's configuration (defaults when it has none);
 *  2. the three signals of @hub/escalation on the last customer turn: retrieval confidence (the bot's own result
 *     if it sent one, else the suggestion service's search of the tenant's knowledge base, bounded by a timeout),
 *     the intent detectors and the scope classifier (in-process embedding model), and the tenant's rules
 *     (keywords, routing conditions on intent/channel/sentiment/attributes/time); a signal that cannot be computed
 *     is listed in `unavailableSignals` and the decision is made without it;
 *  3. `decide()` (regulated rules win over the model), the recommended paths with their availability (live agent:
 *     the work-item router's `GET /v1/queues/{id}/availability` — business hours, online agents, free capacity
 *     of the channel's work-item type, estimated wait; form and callback: enabled by the tenant, not checked),
 *     the fall-through when the live agent is unavailable (the tenant's `fallthrough` order), the handoff message
 *     rendered from the tenant's template;
 *  4. the decision is stored (`escalation_decisions`, the audit the handoff report reads).
 * @throws BadRequestProblem (400, field `retrieval.threshold`) when the bot sent a retrieval result without a
 *         threshold and the tenant configured none
 */
@Injectable()
export class DecideEscalationUseCase {
  constructor(
    private readonly configs: EscalationConfigService,
    private readonly models: EscalationModels,
    private readonly search: KnowledgeSearchPort,
    private readonly availability: LiveAvailabilityPort,
    private readonly repo: EscalationRepository,
  ) {}

  async execute(cmd: DecideEscalationCommand): Promise<DecisionView> {
    const { tenantId, request: r } = cmd;
    const caller: ForwardedCaller = { tenantId, authorization: cmd.credential };
    const { config, revision } = await this.configs.get(tenantId);
    const text = lastCustomerTurn(r);
    const unavailable: DecisionView['unavailableSignals'] = [];

    const vectors = this.models.turnEmbeddings(text); // MiniLM runs once for both detectors
    const [retrieval, classes, scope] = await Promise.all([
      this.retrievalSignal(cmd, caller, config, unavailable),
      this.classSignals(tenantId, revision, config, vectors, unavailable),
      this.scopeSignal(tenantId, revision, config, vectors, unavailable),
    ]);
    const detectedIntent = scope?.inScope ? scope.intent : undefined;
    const rules = evaluateRules(config.rules, {
      text,
      intent: r.intent ?? detectedIntent,
      channel: r.channel,
      sentiment: r.sentimentScore,
      attributes: Object.fromEntries(
        Object.entries(r.attributes).filter((e): e is [string, string | number | boolean] => e[1] !== null),
      ),
      now: new Date(),
    });
    const decision = decide({ retrieval, scope, classes, rules, botIntent: r.intent });
    const { paths: recommendedPaths, fallthrough } = await this.paths(config, r, decision, caller);
    const handoffMessage = this.handoffMessage(config, r, decision.intent, text);
    const offerMessage = renderTemplate(
      config.templates.offerMessage,
      this.values(config, r, decision.intent, text),
    );
    const id = randomUUID();
    const createdAt = new Date();
    await this.repo.insertDecision({
      id,
      tenantId,
      conversationId: r.conversationId,
      botSessionId: r.botSessionId ?? null,
      channel: r.channel,
      escalate: decision.escalate,
      decidedBy: decision.decidedBy,
      intent: decision.intent,
      reasons: decision.reasons,
      primaryReason: primaryReasonOf(decision.reasons),
      pathsOffered: decision.escalate ? recommendedPaths.filter((p) => p.available).map((p) => p.path) : [],
      recommendedPaths,
      handoffMessage,
      context: {
        lastCustomerMessage: shorten(text, 500),
        turns: r.transcript.length,
        transcript: r.transcript.slice(-20),
        intent: decision.intent,
        sentiment: r.sentimentScore ?? null,
        attributes: r.attributes,
        channel: r.channel,
        unavailableSignals: unavailable,
      },
      createdAt,
    });
    return {
      decisionId: id,
      escalate: decision.escalate,
      decidedBy: decision.decidedBy,
      reasons: decision.reasons,
      intent: decision.intent,
      intentSource: r.intent ? 'bot' : decision.intent ? 'detected' : null,
      forcedPath: decision.forcedPath,
      recommendedPaths,
      fallthrough,
      handoffMessage,
      offerMessage,
      unavailableSignals: unavailable,
      createdAt: createdAt.toISOString(),
    };
  }

  private async retrievalSignal(
    cmd: DecideEscalationCommand,
    caller: ForwardedCaller,
    config: EscalationConfig,
    unavailable: DecisionView['unavailableSignals'],
  ): Promise<RetrievalSignal | undefined> {
    if (!config.retrieval.enabled) return undefined;
    const own = cmd.request.retrieval;
    if (own) {
      const threshold = own.threshold ?? config.retrieval.threshold;
      if (threshold === undefined) {
        throw new BadRequestProblem(
          'required when the tenant configuration sets no retrieval.threshold',
          'retrieval.threshold',
        );
      }
      const score = own.score ?? (own.chunks.length ? Math.max(...own.chunks.map((c) => c.score)) : 0);
      return { score, threshold };
    }
    const kb = cmd.request.knowledgeBaseId ?? config.retrieval.knowledgeBaseId;
    if (!kb) return undefined;
    return orUnavailable(unavailable, 'retrieval', KnowledgeSearchUnavailable, async () => {
      const turns = cmd.request.transcript
        .filter((t) => t.role === 'user' || t.role === 'bot' || t.role === 'agent')
        .map((t) => ({
          speaker: t.role === 'user' ? ('customer' as const) : ('agent' as const),
          text: t.text,
        }))
        .filter((t) => t.text.trim());
      const res = await this.search.search(kb, turns, caller);
      return { score: res.confidence, threshold: config.retrieval.threshold ?? res.threshold };
    });
  }

  private async classSignals(
    tenantId: string,
    revision: number,
    config: EscalationConfig,
    vectors: TurnEmbeddings,
    unavailable: DecisionView['unavailableSignals'],
  ): Promise<ClassSignal[] | undefined> {
    const all = Object.keys(ESCALATION_PROTOTYPES) as (keyof EscalationConfig['detectors'])[];
    if (all.every((c) => config.detectors[c]?.enabled === false)) return undefined;
    return orUnavailable(unavailable, 'model', ModelUnavailable, async () =>
      (await this.models.prototypeDetector(tenantId, revision, config)).detectVector(
        await vectors.detectors(),
      ),
    );
  }

  private async scopeSignal(
    tenantId: string,
    revision: number,
    config: EscalationConfig,
    vectors: TurnEmbeddings,
    unavailable: DecisionView['unavailableSignals'],
  ): Promise<ScopeSignal | undefined> {
    return orUnavailable(unavailable, 'out_of_scope', ModelUnavailable, async () => {
      const detector = await this.models.scopeDetector(tenantId, revision, config);
      return detector ? detector.classifyVector(await vectors.scope()) : undefined;
    });
  }

  /**
   * The three paths, each with its availability, and the fall-through when the live agent is unavailable.
   * Order: the fall-through target first (when the live agent is unavailable), then a forced path, then seed
   * order (form, live agent, callback).
   */
  private async paths(
    config: EscalationConfig,
    r: DecisionRequest,
    decision: Decision,
    caller: ForwardedCaller,
  ): Promise<{ paths: RecommendedPath[]; fallthrough: DecisionView['fallthrough'] }> {
    const out: RecommendedPath[] = [];
    for (const path of PATH_ORDER) {
      const enabled = config.paths[path].enabled;
      const base = { path, tool: TOOL_OF[path], forced: decision.forcedPath === path };
      if (!enabled) {
        out.push({ ...base, available: false, unavailableReason: 'disabled_by_tenant', checked: true });
      } else if (path === 'live_agent') {
        out.push({ ...base, ...(await this.livePath(config, r, caller)) });
      } else {
        out.push({
          ...base,
          available: true,
          unavailableReason: null,
          checked: false,
          ...(path === 'form' && config.paths.form.templateId
            ? { detail: { templateId: config.paths.form.templateId } }
            : {}),
        });
      }
    }
    const live = out.find((p) => p.path === 'live_agent');
    let fallthrough: DecisionView['fallthrough'] = null;
    if (live && config.paths.live_agent.enabled && !live.available) {
      const to = config.fallthrough.find((p) => out.find((o) => o.path === p)?.available) ?? null;
      fallthrough = {
        from: 'live_agent',
        reason: live.unavailableReason ?? 'unavailable',
        to,
        nextOpening: (live.detail?.nextOpening as string | null | undefined) ?? null,
      };
    }
    const rank = (p: RecommendedPath) =>
      fallthrough?.to === p.path ? 0 : p.forced ? 1 : 2 + PATH_ORDER.indexOf(p.path);
    return { paths: out.sort((a, b) => rank(a) - rank(b)), fallthrough };
  }

  /**
   * The live path from the router's availability of the target queue (the request's `queueId`, else the tenant's
   * configured queue, else the tenant's default queue). Reasons, in this order: `router_unavailable` (with the
   * code), `no_queue`, `queue_inactive`, `outside_hours` (with `nextOpening`), `no_agent_online`, `at_capacity`
   * (no free slot of the channel's work-item type).
   */
  private async livePath(
    config: EscalationConfig,
    r: DecisionRequest,
    caller: ForwardedCaller,
  ): Promise<Omit<RecommendedPath, 'path' | 'tool' | 'forced'>> {
    const queueRef = r.queueId ?? config.paths.live_agent.queueId ?? 'default';
    const type = workItemTypeForChannel(r.channel);
    let a: QueueAvailability | null;
    try {
      a = await this.availability.queue(queueRef, caller);
    } catch (e) {
      if (!(e instanceof LiveAvailabilityUnavailable)) throw e;
      return {
        available: false,
        unavailableReason: 'router_unavailable',
        checked: false,
        detail: { queueId: queueRef === 'default' ? null : queueRef, code: e.code, message: e.message },
      };
    }
    if (!a) {
      return {
        available: false,
        unavailableReason: 'no_queue',
        checked: true,
        detail: { queueId: queueRef === 'default' ? null : queueRef },
      };
    }
    const reason = !a.active
      ? 'queue_inactive'
      : !a.openNow
        ? 'outside_hours'
        : a.onlineAgents === 0
          ? 'no_agent_online'
          : a.freeCapacity[type] === 0
            ? 'at_capacity'
            : null;
    const estimatedWait = waitPhrase(a.estimatedWaitMs);
    return {
      available: reason === null,
      unavailableReason: reason,
      checked: true,
      ...(reason === null && estimatedWait
        ? { message: renderTemplate(config.templates.liveAgentWait, { estimatedWait }) }
        : {}),
      detail: {
        queueId: a.queueId,
        openNow: a.openNow,
        nextOpening: a.openNow ? null : a.nextOpening,
        timeZone: a.timeZone,
        agentsOnline: a.onlineAgents,
        freeCapacity: a.freeCapacity[type],
        waiting: a.waiting,
        estimatedWaitMs: a.estimatedWaitMs,
        estimatedWait,
      },
    };
  }

  private values(config: EscalationConfig, r: DecisionRequest, intent: string | null, text: string) {
    return {
      intent: intent ? intentPhrase(intent, config.templates.intentLabels) : '',
      lastCustomerMessage: shorten(text),
      customerName: r.contact.name ?? '',
      channel: r.channel,
    };
  }

  private handoffMessage(
    config: EscalationConfig,
    r: DecisionRequest,
    intent: string | null,
    text: string,
  ): string {
    const t = intent ? config.templates.handoffMessage : config.templates.handoffMessageWithoutIntent;
    return renderTemplate(t, this.values(config, r, intent, text));
  }
}

/** The last non-empty customer (`user`) turn of the transcript (the schema guarantees one). */
function lastCustomerTurn(r: DecisionRequest): string {
  for (let i = r.transcript.length - 1; i >= 0; i--) {
    const t = r.transcript[i];
    if (t.role === 'user' && t.text.trim()) return t.text;
  }
  return '';
}

/**
 * Runs one signal; when it fails with `unavailable` (the model or the knowledge search could not answer), records
 * the signal in `unavailable` (code and message) and returns undefined, so the decision is made without it.
 * Any other error propagates.
 */
async function orUnavailable<T>(
  unavailable: DecisionView['unavailableSignals'],
  signal: DecisionView['unavailableSignals'][number]['signal'],
  unavailableError: new (...args: never[]) => Error & { code: string },
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof unavailableError)) throw e;
    unavailable.push({ signal, code: e.code, message: e.message });
    return undefined;
  }
}
