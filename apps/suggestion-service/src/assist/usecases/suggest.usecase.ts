import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  newEnvelope,
  type AssistSuggestion,
  type AssistSuggestionDelta,
  type TopicEvent,
} from '@hub/contracts';
import { MessagingService } from '@hub/messaging';
import { LOGGER } from '@hub/observability';
import { resolveAssistTarget, type AssistTarget } from '../../domain/assist-target';
import type { ContextUtterance } from '../../domain/conversation-query';
import { extractiveAnswer } from '../../domain/extractive-answer';
import { buildAnswerMessages } from '../../domain/prompt';
import { suggestionIdFor } from '../../domain/suggestion-id';
import { LlmError, LlmRepository } from '../../llm/llm.repository';
import {
  AssistSettingsRepository,
  type AssistSettingsView,
  type QueueMappingView,
} from '../../mapping/assist-settings.repository';
import { RetrieveUseCase } from '../../retrieval/retrieve.usecase';
import { GoogleNativeSuggestions } from '../../sources/dialogflow-cx/google-native-suggestions';
import { AnswerDeltas, type AnswerDeltaOptions } from '../answer-deltas';
import { InteractionContextRepository } from '../interaction-context.repository';

/** Tunables of {@link SuggestUseCase}. */
export interface SuggestOptions {
  contextUtterances: number;
  topK: number;
  /**
   * Publish an LLM answer's pieces as `assist.suggestion.delta` while it is generated (coalesced per
   * `intervalMs` / `maxChars`); absent = only the complete suggestion.
   */
  deltas?: AnswerDeltaOptions;
}
export const SUGGEST_OPTIONS = Symbol('SUGGEST_OPTIONS');

type ConversationEnvelope = TopicEvent<'conversationEvents'>;

/** What {@link SuggestUseCase.handle} did with an event (for logs and tests). */
export type SuggestOutcome =
  | { kind: 'suggested'; suggestion: AssistSuggestion }
  | {
      kind: 'skipped';
      reason:
        'not_final' | 'not_customer' | 'lifecycle' | 'no_knowledge_base' | 'empty' | 'source_unavailable';
    };

/**
 * The assist pipeline for one conversation event:
 *  - lifecycle → remember queue/agent (ended/wrap-up forget the interaction);
 *  - final utterance (customer or agent) → append to the interaction's context window;
 *  - final customer utterance → resolve queue mapping / tenant default, retrieve with the whole
 *    window (hybrid lexical + dense when the KB has an embedding provider; `retrieval.mode` and
 *    `denseFallbackReason` say which ranking was used), answer (LLM when configured, streamed; on timeout/error the extractive answer with
 *    `fallbackReason`), publish `assist.suggestion` keyed by interaction.
 * While an LLM answer streams, its pieces are published as `assist.suggestion.delta` (same
 * suggestion id, `seq` 1…n, the first with sources and confidence), coalesced by
 * {@link AnswerDeltas}; they are best-effort (a failed delta ends the deltas, never the suggestion)
 * and always precede the complete suggestion, which is published after the last delta was
 * acknowledged (same producer, same key: same partition, in order).
 * Suggestions are published directly (not through an outbox): they are derived from the event and
 * idempotent by utterance (deterministic suggestion id), and the offset is committed only after the
 * publish, so a crash re-derives the same suggestion (deltas of a re-generated answer start again at
 * `seq` 1).
 */
@Injectable()
export class SuggestUseCase {
  constructor(
    private readonly contexts: InteractionContextRepository,
    private readonly settings: AssistSettingsRepository,
    private readonly retrieve: RetrieveUseCase,
    private readonly llm: LlmRepository,
    private readonly messaging: MessagingService,
    private readonly googleNative: GoogleNativeSuggestions,
    @Inject(SUGGEST_OPTIONS) private readonly opts: SuggestOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(event: ConversationEnvelope): Promise<SuggestOutcome> {
    const t0 = performance.now();
    const e = event.data;
    const tenantId = event.tenantId;
    if (e.kind === 'lifecycle') {
      if (e.state === 'ended') await this.contexts.remove(tenantId, e.interactionId);
      else
        await this.contexts.touch(tenantId, e.interactionId, {
          provider: e.provider,
          queue: e.queue,
          agentId: e.agentId,
        });
      return { kind: 'skipped', reason: 'lifecycle' };
    }
    if (!e.isFinal) return { kind: 'skipped', reason: 'not_final' };
    if (!e.text.trim()) return { kind: 'skipped', reason: 'empty' };
    const utterance: ContextUtterance = { utteranceId: e.utteranceId, speaker: e.speaker, text: e.text };
    // a customer utterance needs the tenant defaults (and the mapping of the queue it names): read them
    // while the context window is written, one database round trip instead of two in a row
    const early =
      e.speaker === 'customer' ? this.settings.targetInputs(tenantId, e.queue || undefined) : null;
    // never an unhandled rejection if the append fails first (the error is raised by the append)
    early?.catch(() => undefined);
    const ctx = await this.contexts.append(
      tenantId,
      e.interactionId,
      { provider: e.provider, queue: e.queue, agentId: e.agentId, utterance, at: event.occurredAt },
      this.opts.contextUtterances,
    );
    if (!early) return { kind: 'skipped', reason: 'not_customer' };

    // google_native tenants: Dialogflow CX answers instead of retrieval (same suggestion contract)
    const native = await this.googleNative.integrationFor(tenantId);
    if (native) {
      const suggestion = await this.googleNative.suggest(native, {
        tenantId,
        interactionId: e.interactionId,
        utteranceId: e.utteranceId,
        text: e.text,
        language: e.language,
        agentId: ctx.agentId ?? undefined,
        startedAt: t0,
      });
      if (!suggestion) return { kind: 'skipped', reason: 'source_unavailable' };
      await this.publishSuggestion(event, suggestion);
      return { kind: 'suggested', suggestion };
    }

    const target = await this.target(tenantId, ctx.queue, e.queue, early);
    if (!target) {
      this.logger.warn(
        { interactionId: e.interactionId, queue: ctx.queue },
        'no knowledge base for interaction',
      );
      return { kind: 'skipped', reason: 'no_knowledge_base' };
    }
    // the window as of this utterance (a redelivered older utterance must not see later turns)
    const upTo = ctx.utterances.findIndex((u) => u.utteranceId === e.utteranceId);
    const window = upTo >= 0 ? ctx.utterances.slice(0, upTo + 1) : [...ctx.utterances, utterance];

    const retrieval = await this.retrieve.execute({
      tenantId,
      knowledgeBaseId: target.knowledgeBaseId,
      window,
      topK: this.opts.topK,
    });
    const tGen = performance.now();
    const suggestionId = suggestionIdFor(tenantId, e.interactionId, e.utteranceId);
    const sources = retrieval.passages.map((p) => ({
      documentId: p.documentId,
      title: p.title,
      score: p.score,
      knowledgeBaseId: target.knowledgeBaseId,
    }));
    let answer = extractiveAnswer(retrieval.passages);
    let generator: AssistSuggestion['generator'] = 'extractive';
    let fallbackReason: string | undefined;
    if (target.llmIntegrationId && retrieval.passages.length) {
      const integration = await this.llm.findIntegration(tenantId, target.llmIntegrationId).catch(() => null);
      if (!integration) {
        fallbackReason = 'llm_unavailable: integration not found or disabled';
      } else {
        const deltas = this.opts.deltas
          ? new AnswerDeltas(
              (seq, text) =>
                this.publishDelta(event, {
                  suggestionId,
                  interactionId: e.interactionId,
                  utteranceId: e.utteranceId,
                  ...(ctx.agentId ? { agentId: ctx.agentId } : {}),
                  seq,
                  text,
                  ...(seq === 1
                    ? { sources, confidence: retrieval.confidence, knowledgeBaseId: target.knowledgeBaseId }
                    : {}),
                }),
              this.opts.deltas,
              (err) =>
                this.logger.warn(
                  { interactionId: e.interactionId, suggestionId, err: err.message },
                  'could not publish an answer delta; the rest of this answer goes out complete only',
                ),
            )
          : null;
        try {
          answer = await this.llm.chat(
            integration,
            buildAnswerMessages(
              target.systemPrompt,
              window,
              retrieval.passages.slice(0, 3),
              retrieval.question,
            ),
            { maxTokens: 300, ...(deltas ? { onDelta: (piece: string) => deltas.push(piece) } : {}) },
          );
          generator = 'llm';
          await deltas?.finish();
        } catch (err) {
          await deltas?.abort();
          const le = err instanceof LlmError ? err : new LlmError('network_error', (err as Error).message);
          fallbackReason = `llm_${le.reason}: ${le.message}`.slice(0, 300);
          this.logger.warn(
            { interactionId: e.interactionId, reason: fallbackReason, deltasSent: deltas?.sent ?? 0 },
            'LLM failed; extractive answer',
          );
        }
      }
    }
    if (!retrieval.passages.length) answer = '';
    const tEnd = performance.now();
    const suggestion: AssistSuggestion = {
      suggestionId,
      interactionId: e.interactionId,
      utteranceId: e.utteranceId,
      ...(ctx.agentId ? { agentId: ctx.agentId } : {}),
      answer,
      sources,
      confidence: retrieval.confidence,
      generator,
      ...(fallbackReason ? { fallbackReason } : {}),
      knowledgeBaseId: target.knowledgeBaseId,
      retrieval: {
        mode: retrieval.ranking.mode,
        ...(retrieval.ranking.denseFallbackReason
          ? { denseFallbackReason: retrieval.ranking.denseFallbackReason }
          : {}),
      },
      timings: {
        retrievalMs: round(retrieval.retrievalMs),
        generationMs: round(tEnd - tGen),
        totalMs: round(tEnd - t0),
      },
    };
    await this.publishSuggestion(event, suggestion);
    return { kind: 'suggested', suggestion };
  }

  /** Publishes the complete `assist.suggestion` (keyed by interaction). */
  private async publishSuggestion(cause: ConversationEnvelope, suggestion: AssistSuggestion): Promise<void> {
    await this.messaging.producer.publish('assistSuggestions', {
      ...newEnvelope({
        type: 'assist.suggestion' as const,
        version: 1,
        tenantId: cause.tenantId,
        source: 'suggestion-service',
        correlationId: suggestion.interactionId,
        causationId: cause.id,
        traceparent: cause.traceparent,
        data: suggestion,
      }),
      version: 1 as const,
    });
  }

  /** Publishes one `assist.suggestion.delta` (keyed by interaction, like the complete suggestion). */
  private async publishDelta(cause: ConversationEnvelope, data: AssistSuggestionDelta): Promise<void> {
    await this.messaging.producer.publish('assistSuggestions', {
      ...newEnvelope({
        type: 'assist.suggestion.delta' as const,
        version: 1,
        tenantId: cause.tenantId,
        source: 'suggestion-service',
        correlationId: data.interactionId,
        causationId: cause.id,
        traceparent: cause.traceparent,
        data,
      }),
      version: 1 as const,
    });
  }

  /**
   * Mapping of the interaction's queue (`queue`, from the context) or the tenant defaults. `early` was
   * started with the event's own queue (`eventQueue`); the mapping is read again only when the context
   * holds a different queue (the event named none).
   */
  private async target(
    tenantId: string,
    queue: string | null,
    eventQueue: string | undefined,
    early: Promise<[QueueMappingView | null, AssistSettingsView]>,
  ): Promise<AssistTarget | null> {
    const [earlyMapping, defaults] = await early;
    const mapping =
      (queue ?? undefined) === eventQueue
        ? earlyMapping
        : queue
          ? await this.settings.findMapping(tenantId, queue)
          : null;
    return resolveAssistTarget(queue, mapping, defaults);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
