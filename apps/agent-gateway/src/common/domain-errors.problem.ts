import { ProblemResponseException, problemBody, type ProblemMapper } from '@hub/http';
import { NotVisibleError, WrongStateError } from '../domain/errors';

/**
 * Domain errors as problems of the service's one filter (`protectHttp`): {@link NotVisibleError} → 404,
 * {@link WrongStateError} → 409; `application/problem+json` whose `error` is the error's code
 * (`not_found` / `conflict`, as the socket acks say).
 */
export const gatewayDomainProblem: ProblemMapper = (e) =>
  e instanceof NotVisibleError || e instanceof WrongStateError
    ? new ProblemResponseException(
        problemBody(e instanceof NotVisibleError ? 404 : 409, e.message, { extensions: { error: e.code } }),
      )
    : null;
