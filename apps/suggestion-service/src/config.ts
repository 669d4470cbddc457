import { z } from 'zod';
import { DatabaseConfigSchema, HttpConfigSchema, KafkaConfigSchema } from '@hub/config';

/**
 * suggestion-service configuration (env vars; fail-fast, names the variable).
 * Kafka + PostgreSQL + HTTP; no Redis (suggestions travel on Kafka to the assist-gateway).
 */
export const SuggestionConfigSchema = KafkaConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(HttpConfigSchema.shape)
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(3070),
    /** Final utterances kept per interaction (the context window). */
    ASSIST_CONTEXT_UTTERANCES: z.coerce.number().int().min(1).max(200).default(16),
    /** Sources returned with a suggestion. */
    ASSIST_TOP_K: z.coerce.number().int().min(1).max(50).default(5),
    /** Max body size of a Markdown/HTML/plain-text upload, bytes (JSON Lines streams, no total limit). */
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
    /** Consumer group of the conversation-events consumer. */
    ASSIST_CONSUMER_GROUP: z.string().min(1).default('suggestion-service'),
    /**
     * Consumer group members (kafkajs consumers, each with its own fetch loop) in one process; the
     * partitions are spread over them. Default 1. One per partition (6) cut the queueing tail at 20/s
     * in bench:assist (p95 83-92 vs 66-138 ms, 4 + 4 runs) but not at 50/s or more, where the CPU is
     * the limit (docs/benchmarks.md, Assist).
     */
    ASSIST_CONSUMER_MEMBERS: z.coerce.number().int().min(1).max(64).default(1),
  });

export type SuggestionConfig = z.infer<typeof SuggestionConfigSchema>;
