import { AuthConfigSchema } from '@hub/auth';
import { z } from 'zod';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  HttpProtectionConfigSchema,
  KafkaConfigSchema,
  RedisConfigSchema,
} from '@hub/config';

/** Environment of ops-service (validated once at start; a bad value stops it naming the variable). */
export const OpsConfigSchema = z.object({
  ...HttpConfigSchema.shape,
  ...HttpProtectionConfigSchema.shape,
  ...RedisConfigSchema.shape,
  ...AuthConfigSchema.shape,
  ...DatabaseConfigSchema.shape,
  ...KafkaConfigSchema.shape,
  PORT: z.coerce.number().int().min(0).max(65535).default(3080),
  /** Newest events kept in memory per topic (the event inspector's reach). */
  OPS_EVENTS_PER_TOPIC: z.coerce.number().int().min(10).max(1_000_000).default(20_000),
  /** Newest dead letters kept in memory per DLQ topic. */
  OPS_DEAD_LETTERS_PER_TOPIC: z.coerce.number().int().min(10).max(1_000_000).default(5_000),
  /** Sliding window of the arrival rates and error counts, s. */
  OPS_HEALTH_WINDOW_S: z.coerce.number().int().min(10).max(86_400).default(300),
});
export type OpsConfig = z.infer<typeof OpsConfigSchema>;
