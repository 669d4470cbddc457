import type { INestApplication } from '@nestjs/common';
import { protectHttp } from '@hub/http';
import { SUGGESTION_INTAKE_ROUTE, type SuggestionConfig } from './config';
import { setupSuggestionOpenApi } from './openapi';

/**
 * HTTP set-up shared by main.ts and the tests: abuse and overload protection (`protectHttp`: rate limits
 * shared through Redis, admission control of the utterance intake, JSON body caps — docs/security/abuse.md)
 * and the OpenAPI document at `/docs` and `/docs-json`.
 */
export async function configureSuggestionHttp(
  app: INestApplication,
  config: SuggestionConfig,
): Promise<void> {
  await protectHttp(app, {
    service: 'suggestion-service',
    config,
    redis: { url: config.REDIS_URL, namespace: config.REDIS_NAMESPACE },
    intakeRoutes: [SUGGESTION_INTAKE_ROUTE],
  });
  setupSuggestionOpenApi(app);
}
