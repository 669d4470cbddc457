import type { AssistSuggestionDelta } from '@hub/contracts';
import { toSourceViews, type SuggestionView } from '../domain/widget-claims';

/**
 * What a widget receives for a piece of an answer being generated (socket event `suggestion.delta`).
 * `seq` 1 starts (or restarts) the partial answer of `suggestionId` and carries `sources` and
 * `confidence`; each later `seq` appends `text`. The `suggestion` event with the same
 * `suggestionId` replaces the partial answer.
 */
export interface SuggestionDeltaView {
  suggestionId: string;
  tenantId: string;
  interactionId: string;
  utteranceId?: string;
  /** 1, 2, … without gaps within one generation of the answer. */
  seq: number;
  /** Text to append. */
  text: string;
  /** On `seq` 1: the sources the answer is generated from. */
  sources?: SuggestionView['sources'];
  /** On `seq` 1: retrieval confidence in [0, 1]. */
  confidence?: number;
  /** ISO 8601, when the piece was published. */
  occurredAt: string;
}

/** Maps an `assist.suggestion.delta` event to the widget's view (tenant from the envelope). */
export function toSuggestionDeltaView(e: {
  tenantId: string;
  occurredAt: string;
  data: AssistSuggestionDelta;
}): SuggestionDeltaView {
  const d = e.data;
  return {
    suggestionId: d.suggestionId,
    tenantId: e.tenantId,
    interactionId: d.interactionId,
    ...(d.utteranceId ? { utteranceId: d.utteranceId } : {}),
    seq: d.seq,
    text: d.text,
    ...(d.sources ? { sources: toSourceViews(d.sources) } : {}),
    ...(d.confidence !== undefined ? { confidence: d.confidence } : {}),
    occurredAt: e.occurredAt,
  };
}
