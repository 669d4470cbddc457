import { ProblemResponseException, problemBody, type ProblemMapper } from '@hub/http';
import { PermanentError } from '@hub/messaging';

/**
 * Use-case errors shared with the Kafka path ({@link PermanentError}) as problems of the service's one
 * filter (`protectHttp`): `not_found` → 404, `invalid_state` / `forbidden` / `tenant_mismatch` → 409,
 * anything else → 422; `application/problem+json` with the message and `reason`.
 */
export const permanentErrorProblem: ProblemMapper = (e) => {
  if (!(e instanceof PermanentError)) return null;
  const status =
    e.reason === 'not_found'
      ? 404
      : ['invalid_state', 'forbidden', 'tenant_mismatch'].includes(e.reason)
        ? 409
        : 422;
  return new ProblemResponseException(problemBody(status, e.message, { extensions: { reason: e.reason } }));
};
