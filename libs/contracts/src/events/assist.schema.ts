import { z } from 'zod';
import { envelopeOf } from '../envelope';

/** A knowledge source of a suggestion (a retrieved document). */
export const AssistSuggestionSourceSchema = z.object({
  documentId: z.string(),
  title: z.string(),
  /** Retrieval score of this source (ranker-specific scale). */
  score: z.number().optional(),
  knowledgeBaseId: z.uuid().optional(),
});
export type AssistSuggestionSource = z.infer<typeof AssistSuggestionSourceSchema>;

/**
 * A suggestion for the agent handling an interaction (`hub.assist.suggestions.v1`, key: interaction id).
 * This is the complete answer: when the answer was streamed, it follows that answer's
 * `assist.suggestion.delta` events (same `suggestionId`) and replaces their text.
 */
export const AssistSuggestionSchema = z.object({
  suggestionId: z.uuid(),
  interactionId: z.string().min(1).max(200),
  /** The customer utterance that triggered it. */
  utteranceId: z.string().max(200).optional(),
  agentId: z.string().max(128).optional(),
  answer: z.string(),
  sources: z.array(AssistSuggestionSourceSchema),
  /** Retrieval confidence in [0, 1]. */
  confidence: z.number().min(0).max(1),
  /** What produced the answer; `dialogflow` = passed through from Google Agent Assist. */
  generator: z.enum(['extractive', 'llm', 'dialogflow']),
  /**
   * When the LLM was configured but failed (before or during streaming) and the extractive answer
   * was used instead, e.g. `llm_timeout: …`, `llm_network_error: …`.
   */
  fallbackReason: z.string().optional(),
  knowledgeBaseId: z.uuid().optional(),
  /**
   * How the sources were ranked: `hybrid` = lexical + dense (embeddings) fused, `lexical` = full-text
   * only. `denseFallbackReason` says why a knowledge base with an embedding provider was ranked
   * lexically (e.g. `embedding_timeout: …`).
   */
  retrieval: z
    .object({
      mode: z.enum(['lexical', 'hybrid']),
      denseFallbackReason: z.string().optional(),
    })
    .optional(),
  /** Durations in ms. */
  timings: z.object({
    retrievalMs: z.number().nonnegative(),
    generationMs: z.number().nonnegative(),
    totalMs: z.number().nonnegative(),
  }),
});
export type AssistSuggestion = z.infer<typeof AssistSuggestionSchema>;
export const AssistSuggestionEventSchema = envelopeOf('assist.suggestion', 1, AssistSuggestionSchema);

/**
 * A piece of an answer while it is generated (`assist.suggestion.delta` on `hub.assist.suggestions.v1`,
 * key: interaction id, so it stays ordered with the interaction's other suggestion events).
 *
 * One generation of an answer is `seq` 1, 2, … n without gaps, each `text` appended to the previous
 * ones; the complete `assist.suggestion` with the same `suggestionId` follows and is authoritative
 * (its `answer` equals the concatenation when the generation succeeded; otherwise it is the fallback
 * answer with `fallbackReason`). Deltas are best-effort: a consumer may see none, and must replace
 * the partial text by the final suggestion. `seq` 1 starts (or, after a redelivery re-generated the
 * answer, restarts) the partial text and carries the sources, confidence and knowledge base, which
 * are known before generation starts. Consumers ignore a `seq` that is not the next one, and deltas
 * of a suggestion whose final event they already have.
 */
export const AssistSuggestionDeltaSchema = z
  .object({
    /** Id of the suggestion this text belongs to (the final `assist.suggestion` has the same id). */
    suggestionId: z.uuid(),
    interactionId: z.string().min(1).max(200),
    /** The customer utterance that triggered it. */
    utteranceId: z.string().max(200).optional(),
    agentId: z.string().max(128).optional(),
    /** 1-based position in this generation of the answer; no gaps. */
    seq: z.number().int().min(1),
    /** Text to append to the partial answer (pieces of the provider's stream, coalesced). */
    text: z.string().max(20_000),
    /** On `seq` 1 (required there): the sources the answer is generated from. */
    sources: z.array(AssistSuggestionSourceSchema).optional(),
    /** On `seq` 1 (required there): retrieval confidence in [0, 1]. */
    confidence: z.number().min(0).max(1).optional(),
    knowledgeBaseId: z.uuid().optional(),
  })
  .refine((d) => d.seq !== 1 || d.sources !== undefined, {
    path: ['sources'],
    message: 'required on seq 1',
  })
  .refine((d) => d.seq !== 1 || d.confidence !== undefined, {
    path: ['confidence'],
    message: 'required on seq 1',
  });
export type AssistSuggestionDelta = z.infer<typeof AssistSuggestionDeltaSchema>;
export const AssistSuggestionDeltaEventSchema = envelopeOf(
  'assist.suggestion.delta',
  1,
  AssistSuggestionDeltaSchema,
);

/**
 * Everything on `hub.assist.suggestions.v1`: complete suggestions and, for streamed answers, their
 * deltas before them. Discriminated by the envelope `type`; consumers that only want complete
 * suggestions skip `assist.suggestion.delta`.
 */
export const AssistSuggestionsTopicSchema = z.discriminatedUnion('type', [
  AssistSuggestionEventSchema,
  AssistSuggestionDeltaEventSchema,
]);
export type AssistSuggestionsTopicEvent = z.infer<typeof AssistSuggestionsTopicSchema>;
