import { ProblemResponseException, problemBody, type ProblemMapper } from '@hub/http';
import { AssistUnavailableError, NotVisibleError, WrongStateError } from '../domain/errors';

/**
 * Domain errors as problems of the service's one filter (`protectHttp`): {@link NotVisibleError} → 404,
 * {@link WrongStateError} → 409, {@link AssistUnavailableError} → 503; `application/problem+json` whose
 * `error` is the error's code (`not_found` / `conflict` as the socket acks say, `assist_unavailable`).
 */
export const gatewayDomainProblem: ProblemMapper = (e) => {
  const status =
    e instanceof NotVisibleError
      ? 404
      : e instanceof WrongStateError
        ? 409
        : e instanceof AssistUnavailableError
          ? 503
          : null;
  if (status === null) return null;
  const err = e as NotVisibleError | WrongStateError | AssistUnavailableError;
  return new ProblemResponseException(problemBody(status, err.message, { extensions: { error: err.code } }));
};
