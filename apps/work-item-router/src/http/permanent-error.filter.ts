import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { PermanentError } from '@hub/messaging';

/**
 * Maps use-case errors shared with the Kafka path to HTTP: `not_found` → 404, `invalid_state` /
 * `forbidden` / `tenant_mismatch` → 409, anything else → 422; the message says what is wrong.
 */
@Catch(PermanentError)
export class PermanentErrorFilter implements ExceptionFilter {
  catch(e: PermanentError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const status =
      e.reason === 'not_found'
        ? 404
        : ['invalid_state', 'forbidden', 'tenant_mismatch'].includes(e.reason)
          ? 409
          : 422;
    const error = { 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity' }[status];
    res.status(status).json({ statusCode: status, error, message: e.message, reason: e.reason });
  }
}
