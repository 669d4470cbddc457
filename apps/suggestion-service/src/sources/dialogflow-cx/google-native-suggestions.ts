import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AssistSuggestion } from '@hub/contracts';
import { LOGGER } from '@hub/observability';
import { suggestionIdFor } from '../../domain/suggestion-id';
import { DialogflowCxClient, DialogflowCxError, type DialogflowCxIntegration } from './dialogflow-cx.client';
import { suggestionFromDetectIntent } from './dialogflow-cx.mapper';

/** The customer utterance a google_native suggestion answers. */
export interface GoogleNativeTurn {
  tenantId: string;
  interactionId: string;
  utteranceId: string;
  text: string;
  /** BCP-47 language of the utterance, when the channel knows it. */
  language?: string;
  agentId?: string;
  /** `performance.now()` when handling of the event started (for `timings.totalMs`). */
  startedAt: number;
}

/**
 * Suggestions of tenants in `google_native` mode (an enabled `dialogflow_cx` integration): the customer's
 * utterance goes to the tenant's Dialogflow CX agent (`Sessions.DetectIntent`, one CX session per interaction)
 * and the agent's text responses become the suggestion's answer — the same `assist.suggestion` contract as the
 * retrieval path (deterministic suggestion id per utterance, `generator: dialogflow`, the matched intent and
 * page as `sources`, `match.confidence` as confidence, no `knowledgeBaseId`). A CX failure is logged and the
 * utterance gets no suggestion (there is no knowledge base to fall back to).
 */
@Injectable()
export class GoogleNativeSuggestions {
  constructor(
    private readonly cx: DialogflowCxClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The tenant's Dialogflow CX integration, or null when the tenant uses the hub's retrieval (RAG). */
  integrationFor(tenantId: string): Promise<DialogflowCxIntegration | null> {
    return this.cx.findForTenant(tenantId);
  }

  /** @returns the suggestion to publish, or null when Dialogflow CX failed (logged with the reason). */
  async suggest(
    integration: DialogflowCxIntegration,
    turn: GoogleNativeTurn,
  ): Promise<AssistSuggestion | null> {
    const t0 = performance.now();
    let res;
    try {
      res = await this.cx.detectIntent(
        integration,
        turn.tenantId,
        turn.interactionId,
        turn.text,
        turn.language,
      );
    } catch (e) {
      const err =
        e instanceof DialogflowCxError ? e : new DialogflowCxError('unavailable', (e as Error).message);
      this.logger.warn(
        { tenantId: turn.tenantId, interactionId: turn.interactionId, reason: err.reason, err: err.message },
        'Dialogflow CX failed; no suggestion for this utterance',
      );
      return null;
    }
    const t1 = performance.now();
    const mapped = suggestionFromDetectIntent(res);
    return {
      suggestionId: suggestionIdFor(turn.tenantId, turn.interactionId, turn.utteranceId),
      interactionId: turn.interactionId,
      utteranceId: turn.utteranceId,
      ...(turn.agentId ? { agentId: turn.agentId } : {}),
      answer: mapped.answer,
      sources: mapped.sources,
      confidence: mapped.confidence,
      generator: 'dialogflow',
      timings: {
        retrievalMs: 0,
        generationMs: round(t1 - t0),
        totalMs: round(t1 - turn.startedAt),
      },
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
