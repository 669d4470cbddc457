import { ProblemResponseException, problemBody, type ProblemMapper } from '@hub/http';
import { Problem } from './problems';

/**
 * The orchestrator's domain {@link Problem}s as problems of the service's one filter (`protectHttp`):
 * `application/problem+json` `{type, title, status, detail, statusCode, error, message, errors?: [{field,
 * message}]}` with the problem's status (400/404/409/422) and offending field.
 */
export const orchestratorProblem: ProblemMapper = (e) =>
  e instanceof Problem
    ? new ProblemResponseException(problemBody(e.status, e.message, { field: e.field }))
    : null;
