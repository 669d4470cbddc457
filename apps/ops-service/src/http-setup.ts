import type { INestApplication } from '@nestjs/common';
import {
  ProblemResponseException,
  problemBody,
  protectHttp,
  setupOpenApi,
  type ProblemMapper,
} from '@hub/http';
import type { OpsConfig } from './config';
import { DeadLetterNotFoundError } from './redrive/redrive.usecase';

/** {@link DeadLetterNotFoundError} → 404 problem (`error: not_found`). */
const opsProblem: ProblemMapper = (e) =>
  e instanceof DeadLetterNotFoundError
    ? new ProblemResponseException(problemBody(404, e.message, { extensions: { error: e.code } }))
    : null;

/** HTTP set-up shared by main.ts and tests: rate limits and body caps, the one problem filter, OpenAPI at `/docs`. */
export async function configureOpsHttp(app: INestApplication, config: OpsConfig): Promise<void> {
  await protectHttp(app, {
    service: 'ops-service',
    config,
    redis: { url: config.REDIS_URL, namespace: config.REDIS_NAMESPACE },
    intakeRoutes: [],
    problems: [opsProblem],
  });
  setupOpenApi(app, {
    title: 'Engagement Hub — ops-service',
    description:
      'Operations API of the admin console: service health per connector and tenant, the event inspector ' +
      '(recent events of a conversation across topics, dead letters with their reason) and the audited, ' +
      'idempotent redrive of a dead letter.',
  });
}
