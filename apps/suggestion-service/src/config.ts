import { AuthConfigSchema } from '@hub/auth';
import { z } from 'zod';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  HttpProtectionConfigSchema,
  KafkaConfigSchema,
  RedisConfigSchema,
  bool,
} from '@hub/config';
import { OutboundConfigSchema, SecretsConfigSchema } from '@hub/integrations';

/**
 * suggestion-service configuration (env vars; fail-fast, names the variable).
 * Kafka + PostgreSQL + HTTP; no Redis (suggestions travel on Kafka to the assist-gateway).
 */
export const SuggestionConfigSchema = KafkaConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(HttpConfigSchema.shape)
  .extend(SecretsConfigSchema.shape)
  .extend(OutboundConfigSchema.shape)
  .extend(HttpProtectionConfigSchema.shape)
  .extend(RedisConfigSchema.shape)
  .extend(AuthConfigSchema.shape)
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(3070),
    /** Final utterances kept per interaction (the context window). */
    ASSIST_CONTEXT_UTTERANCES: z.coerce.number().int().min(1).max(200).default(16),
    /** Sources returned with a suggestion. */
    ASSIST_TOP_K: z.coerce.number().int().min(1).max(50).default(5),
    /**
     * Retrieval confidence in [0, 1] below which a bot should not answer from the knowledge base (returned by
     * `POST /v1/knowledge-bases/{id}/search`; the escalation policy's retrieval signal, docs/escalation-policy.md).
     */
    ASSIST_RETRIEVAL_CONFIDENCE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.3),
    /**
     * Max body size of any knowledge-base upload (JSON Lines included), bytes: counted while streaming,
     * 413 problem+json naming the limit (docs/security/abuse.md).
     */
    ASSIST_MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(256 * 1024 * 1024),
    /** Max body size of a Markdown/HTML/plain-text upload (one document), bytes. */
    ASSIST_MAX_DOCUMENT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(20 * 1024 * 1024),
    /** Max length of one JSON Lines row, bytes. */
    ASSIST_MAX_LINE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    /** Chunks per embeddings request at upload (OpenAI accepts up to 2,048 inputs per request). */
    ASSIST_EMBEDDING_BATCH_SIZE: z.coerce.number().int().min(1).max(2048).default(128),
    /**
     * Bound on embedding the conversation query (and waiting for a KB's vectors to load) per
     * suggestion, ms; also capped by the integration's `timeoutMs`. Past it, retrieval is lexical
     * and the suggestion says why (`retrieval.denseFallbackReason`).
     */
    ASSIST_QUERY_EMBEDDING_TIMEOUT_MS: z.coerce.number().int().min(50).max(60000).default(1000),
    /**
     * Ranking of knowledge bases without an embedding integration. `hybrid`: their chunks are embedded at upload by
     * the in-process model `ASSIST_LOCAL_EMBEDDING_MODEL` and retrieval fuses BM25F with the dense ranking
     * (reciprocal rank fusion; docs/assist-eval.md has the figures); the service does not start when the model's
     * files are missing (the error names them and `bash tools/models/fetch-models.sh`). `lexical`: BM25F only, no
     * model needed. Default: `hybrid` when `ASSIST_LOCAL_EMBEDDING_MODEL` is set, else `lexical` (a fresh machine
     * may not have the model files). Knowledge bases with an embedding integration are hybrid either way.
     */
    ASSIST_RETRIEVAL: z.enum(['lexical', 'hybrid']).optional(),
    /**
     * In-process sentence-embedding model of `ASSIST_RETRIEVAL=hybrid` (`@hub/embeddings` local model name; files
     * from `bash tools/models/fetch-models.sh`). Default {@link DEFAULT_LOCAL_EMBEDDING_MODEL} when hybrid.
     */
    ASSIST_LOCAL_EMBEDDING_MODEL: z.string().min(1).optional(),
    /** Folder of the local models (default `~/.cache/engagement-hub/models`, where fetch-models.sh puts them). */
    HUB_MODELS_DIR: z.string().min(1).optional(),
    /**
     * Memory budget of the in-memory lexical indexes (all knowledge bases; postings + chunk texts, ≈ 8 MiB of heap
     * for the 10,882-chunk demo KB), MiB. 0 = PostgreSQL ranks every query (also the fallback while a KB's
     * index loads or when it exceeds the budget).
     */
    ASSIST_LEXICAL_INDEX_MAX_MB: z.coerce.number().int().min(0).default(256),
    /** Memory budget of the in-memory dense indexes (all knowledge bases), MiB. */
    ASSIST_DENSE_INDEX_MAX_MB: z.coerce.number().int().min(1).default(512),
    /** Consumer group of the conversation-events consumer. */
    ASSIST_CONSUMER_GROUP: z.string().min(1).default('suggestion-service'),
    /**
     * Consumer group members (kafkajs consumers, each with its own fetch loop) in one process; the
     * partitions are spread over them. Default 1. One per partition (6) cut the queueing tail at 20/s
     * in bench:assist (p95 83-92 vs 66-138 ms, 4 + 4 runs) but not at 50/s or more, where the CPU is
     * the limit (docs/benchmarks.md, Assist).
     */
    ASSIST_CONSUMER_MEMBERS: z.coerce.number().int().min(1).max(64).default(1),
    /**
     * Interactions of one partition handled at once (1 = one event at a time). Events of one interaction stay
     * in order; a slow answer (LLM stream, Dialogflow CX call) holds up only its own interaction.
     */
    /**
     * How long the queue mapping and tenant defaults read for a customer utterance are reused, ms (0 = read every
     * time). Writes through this process apply at once; other replicas' writes within this long.
     */
    ASSIST_SETTINGS_CACHE_TTL_MS: z.coerce.number().int().min(0).max(30_000).default(2000),
    ASSIST_CONCURRENT_INTERACTIONS: z.coerce.number().int().min(1).max(1024).default(32),
    /**
     * Publish LLM answers while they are generated (`assist.suggestion.delta` before the complete
     * `assist.suggestion`). `false`: only the complete suggestion.
     */
    ASSIST_STREAM_DELTAS: bool().default(true),
    /** Minimum time between two deltas of one answer, ms (the first piece goes out at once). */
    ASSIST_DELTA_INTERVAL_MS: z.coerce.number().int().min(0).max(10_000).default(100),
    /** Buffered characters of an answer that trigger a delta before the interval has passed. */
    ASSIST_DELTA_MAX_CHARS: z.coerce.number().int().min(1).max(20_000).default(256),
  });

export type SuggestionConfig = z.infer<typeof SuggestionConfigSchema>;

/** The local model of `ASSIST_RETRIEVAL=hybrid` when `ASSIST_LOCAL_EMBEDDING_MODEL` is unset (docs/assist-eval.md). */
export const DEFAULT_LOCAL_EMBEDDING_MODEL = 'e5-small-v2-q';

/**
 * The local retrieval model a configuration asks for: null for lexical ranking (`ASSIST_RETRIEVAL=lexical`, or
 * neither variable set), else the model name (`ASSIST_LOCAL_EMBEDDING_MODEL`, default {@link DEFAULT_LOCAL_EMBEDDING_MODEL}).
 */
export function localRetrievalModelName(
  config: Pick<SuggestionConfig, 'ASSIST_RETRIEVAL' | 'ASSIST_LOCAL_EMBEDDING_MODEL'>,
): string | null {
  const mode = config.ASSIST_RETRIEVAL ?? (config.ASSIST_LOCAL_EMBEDDING_MODEL ? 'hybrid' : 'lexical');
  return mode === 'hybrid' ? (config.ASSIST_LOCAL_EMBEDDING_MODEL ?? DEFAULT_LOCAL_EMBEDDING_MODEL) : null;
}

/** The intake route (widgets' utterances): intake rate limits and admission control (docs/security/abuse.md). */
export const SUGGESTION_INTAKE_ROUTE = 'POST /v1/interactions/:interactionId/utterances';
