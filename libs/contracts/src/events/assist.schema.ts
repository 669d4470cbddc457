import { z } from 'zod';
import { envelopeOf } from '../envelope';

/**
 * A suggestion for the agent handling an interaction (`hub.assist.suggestions.v1`, key: interaction id).
 */
export const AssistSuggestionSchema = z.object({
  suggestionId: z.uuid(),
  interactionId: z.string().min(1).max(200),
  /** The customer utterance that triggered it. */
  utteranceId: z.string().max(200).optional(),
  agentId: z.string().max(128).optional(),
  answer: z.string(),
  sources: z.array(
    z.object({
      documentId: z.string(),
      title: z.string(),
      /** Retrieval score of this source (ranker-specific scale). */
      score: z.number().optional(),
      knowledgeBaseId: z.uuid().optional(),
    }),
  ),
  /** Retrieval confidence in [0, 1]. */
  confidence: z.number().min(0).max(1),
  /** What produced the answer; `dialogflow` = passed through from Google Agent Assist. */
  generator: z.enum(['extractive', 'llm', 'dialogflow']),
  /** When the LLM was configured but failed and the extractive answer was used instead. */
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
